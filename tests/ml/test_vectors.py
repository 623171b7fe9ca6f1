"""ml.vectors: the stored form of a vector, and the layout of item vectors (blend, split, borrowed text)."""
import numpy as np
import pytest

from ml.vectors import (
    IMAGE_DIMS,
    TEXT_DIMS,
    VectorLayout,
    borrowed_text,
    from_blob,
    from_blobs,
    normalise,
    to_blob,
    unit_rows,
)

LITE0_VERSION = "item:img:efficientnet_lite0:96:avg:579344248a93|txt:all-MiniLM-L6-v2:53aa51172d14|w=0.70"


def unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# --- storage ------------------------------------------------------------------------------------------------------


def test_a_vector_survives_the_blob_round_trip_bit_for_bit():
    vector = np.random.default_rng(0).normal(size=1664).astype(np.float32)

    back = from_blob(to_blob(vector))

    assert back.dtype == np.dtype("<f4") and back.tobytes() == vector.tobytes()


def test_the_blob_is_little_endian_float32_whatever_the_input_dtype():
    assert to_blob(np.array([1.0, -2.5], dtype=">f8")) == b"\x00\x00\x80\x3f\x00\x00\x20\xc0"


def test_a_blob_from_a_memoryview_reads_like_one_from_bytes():
    blob = to_blob(np.arange(4, dtype=np.float32))

    assert np.array_equal(from_blob(memoryview(blob)), [0.0, 1.0, 2.0, 3.0])


def test_blobs_stack_as_rows_and_none_give_an_empty_matrix_of_the_asked_width():
    blobs = [to_blob(np.full(3, i, dtype=np.float32)) for i in range(2)]

    assert from_blobs(blobs).tolist() == [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]
    assert from_blobs([], dim=7).shape == (0, 7)


# --- normalising --------------------------------------------------------------------------------------------------


def test_normalise_refuses_a_zero_row():
    with pytest.raises(ValueError):
        normalise(np.array([[1.0, 0.0], [0.0, 0.0]]))


def test_unit_rows_keeps_a_zero_row_zero():
    out = unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))

    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


# --- layout -------------------------------------------------------------------------------------------------------


def test_blend_then_split_gives_back_the_unit_blocks():
    rng = np.random.default_rng(1)
    layout = VectorLayout(image_dim=6, text_dim=4, image_weight=0.7)
    image, text = unit(rng, 5, 6), unit(rng, 5, 4)

    got_image, got_text = layout.split(layout.blend(image, text))

    assert np.allclose(got_image, image, atol=1e-6) and np.allclose(got_text, text, atol=1e-6)


def test_the_cosine_of_two_blended_vectors_is_the_weighted_sum_of_the_blocks_cosines():
    rng = np.random.default_rng(2)
    layout = VectorLayout(image_dim=6, text_dim=4, image_weight=0.7)
    image, text = unit(rng, 2, 6), unit(rng, 2, 4)

    a, b = layout.blend(image, text)

    assert np.isclose(a @ b, 0.7 * (image[0] @ image[1]) + 0.3 * (text[0] @ text[1]), atol=1e-6)


def test_a_photo_only_vector_ranks_by_the_image_alone():
    rng = np.random.default_rng(3)
    layout = VectorLayout(image_dim=6, text_dim=4, image_weight=0.7)
    image = unit(rng, 2, 6)
    query = layout.photo_only(image[:1])[0]
    item = layout.blend(image[1:], unit(rng, 1, 4))[0]

    assert np.isclose(query @ item, np.sqrt(0.7) * (image[0] @ image[1]), atol=1e-6)
    assert not np.any(layout.split(query)[1])


def test_split_refuses_vectors_of_another_width():
    with pytest.raises(ValueError):
        VectorLayout(image_dim=6, text_dim=4).split(np.ones((1, 9), dtype=np.float32))


def test_the_layout_of_an_item_encoder_version_comes_from_its_backbone_and_text_model():
    layout = VectorLayout.from_version(LITE0_VERSION)

    assert layout == VectorLayout(IMAGE_DIMS["efficientnet_lite0"], TEXT_DIMS["all-MiniLM-L6-v2"], 0.7)
    assert layout.dim == 1664


def test_a_resnet_version_has_a_wider_image_block():
    layout = VectorLayout.from_version(LITE0_VERSION.replace("efficientnet_lite0", "resnet50").replace("0.70", "0.85"))

    assert (layout.image_dim, layout.text_dim, layout.image_weight) == (2048, 384, 0.85)


@pytest.mark.parametrize("version", ["", "test-v1", "img:efficientnet_lite0:96:avg:x", "item:img:x|txt:y|w=0.70"])
def test_versions_that_name_no_known_layout_give_none(version):
    assert VectorLayout.from_version(version) is None


def test_a_photo_borrows_the_normalised_mean_text_of_its_neighbours():
    layout = VectorLayout(image_dim=3, text_dim=2, image_weight=0.7)
    photo = layout.photo_only(np.array([[1.0, 0.0, 0.0]], np.float32))[0]
    neighbours = layout.blend(np.eye(3, dtype=np.float32)[:2], np.array([[1.0, 0.0], [0.6, 0.8]], np.float32))

    image, text = layout.split(layout.borrow_text(photo, neighbours))

    assert np.allclose(image[0], [1.0, 0.0, 0.0]) and np.allclose(text[0], np.array([1.6, 0.8]) / np.hypot(1.6, 0.8))


def test_borrowed_text_of_a_batch_is_bit_for_bit_that_of_each_photo_alone():
    rng = np.random.default_rng(4)
    blocks = unit(rng, 3 * 10, 384).reshape(3, 10, 384)

    batch = borrowed_text(blocks)

    assert all(batch[i].tobytes() == borrowed_text(blocks[i]).tobytes() for i in range(3))


def test_neighbours_without_text_lend_none():
    assert not np.any(borrowed_text(np.zeros((4, 5), dtype=np.float32)))
