"""ml.encoders with the real shipped weights (EfficientNet-Lite0 from its package, all-MiniLM-L6-v2 from its own)."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageOps

from ml.encoders import (
    RANDOM_INIT,
    EncoderConfig,
    FusedConv2d,
    ImageEncoder,
    ItemEncoder,
    ModelWeightsMissing,
    cpu_bf16_supported,
    cpu_conv_fusion_available,
    fold_batchnorm,
    get_item_encoder,
    item_text,
)
from ml.images import ImageLoadError, square_resize

pytestmark = pytest.mark.slow

# ImageNet-1k classes that are footwear: clog, cowboy boot, Loafer, running shoe, sandal.
FOOTWEAR_CLASSES = {502, 514, 630, 770, 774}
REPO = Path(__file__).resolve().parents[2]


# --- image encoder -------------------------------------------------------------------------------------------


def test_lite0_embeds_each_image_as_a_unit_row_of_1280_floats(image_encoder, make_image):
    images = [make_image(colour=c) for c in ("red", "navy", "green")]

    vectors = image_encoder.embed(images)

    assert vectors.shape == (3, 1280)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_path_raw_bytes_and_a_pil_image_of_the_same_photo_embed_alike(image_encoder, tmp_path, make_image, to_jpeg):
    image = make_image(colour="orange", shape="circle")
    data = to_jpeg(image)
    path = tmp_path / "photo.jpg"
    path.write_bytes(data)

    vectors = image_encoder.embed([path, str(path), data, Image.open(path)])

    np.testing.assert_allclose(vectors, np.repeat(vectors[:1], 4, axis=0), atol=1e-5)


def test_batch_size_does_not_change_the_vectors(image_encoder, make_image):
    images = [make_image(colour=c, shape=s) for c in ("red", "navy") for s in ("square", "stripes")]
    small_batches = ImageEncoder("efficientnet_lite0", input_size=128, device="cpu", batch_size=3, precision="fp32")

    np.testing.assert_allclose(small_batches.embed(images), image_encoder.embed(images), atol=1e-4)


def test_an_empty_list_gives_an_empty_matrix(image_encoder):
    assert image_encoder.embed([]).shape == (0, 1280)


def test_a_real_photo_is_closer_to_its_mirror_image_than_to_an_unrelated_photo(image_encoder, mini_dataset):
    shoe = Image.open(mini_dataset / "images" / "6626.jpg")  # Casual Shoes
    watch = mini_dataset / "images" / "29926.jpg"  # Watches

    original, mirrored, unrelated = image_encoder.embed([shoe, ImageOps.mirror(shoe), watch])

    assert original @ mirrored > 0.9
    assert original @ mirrored > original @ unrelated + 0.3


def test_pretrained_lite0_recognises_shoe_photos_as_footwear(mini_dataset):
    from ml.data import load_styles

    shoes = [i for i in load_styles(mini_dataset) if i.article_type in {"Casual Shoes", "Sports Shoes", "Formal Shoes"}]
    encoder = ImageEncoder("efficientnet_lite0", input_size=224, device="cpu")

    top1 = encoder.classify([item.image_path(mini_dataset) for item in shoes]).argmax(axis=1)

    share = np.isin(top1, list(FOOTWEAR_CLASSES)).mean()
    assert len(shoes) >= 20
    assert share >= 0.8, f"only {share:.0%} of {len(shoes)} shoe photos classified as footwear"


def test_randomly_initialised_lite0_does_not_recognise_shoes(mini_dataset):
    """The counterpart of the test above: it is the weights, not the photos, that make the classification work."""
    from ml.data import load_styles

    shoes = [i for i in load_styles(mini_dataset) if i.article_type in {"Casual Shoes", "Sports Shoes"}][:10]
    torch.manual_seed(0)
    encoder = ImageEncoder("efficientnet_lite0", input_size=128, device="cpu", weights=RANDOM_INIT)

    top1 = encoder.classify([item.image_path(mini_dataset) for item in shoes]).argmax(axis=1)

    assert np.isin(top1, list(FOOTWEAR_CLASSES)).mean() < 0.5


def test_version_names_backbone_input_size_pooling_and_weights_checksum(image_encoder):
    backbone, kind, size, pooling, checksum = image_encoder.version.split(":")[0:5]

    assert (backbone, kind, size, pooling) == ("img", "efficientnet_lite0", "128", "avg")
    assert len(checksum) == 12 and int(checksum, 16) >= 0


def test_max_pooling_gives_other_vectors_and_another_version(image_encoder, make_image):
    maxpool = ImageEncoder("efficientnet_lite0", input_size=128, pooling="max", device="cpu", precision="fp32")
    image = [make_image(colour="navy", shape="stripes")]

    assert maxpool.version != image_encoder.version
    assert float(maxpool.embed(image)[0] @ image_encoder.embed(image)[0]) < 0.99
    np.testing.assert_allclose(np.linalg.norm(maxpool.embed(image)), 1.0, atol=1e-5)


def test_an_unreadable_image_raises_an_error_naming_it(image_encoder, tmp_path, make_image):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")

    with pytest.raises(ImageLoadError, match="broken.jpg"):
        image_encoder.embed([make_image(), broken])


def test_a_missing_file_raises_an_error_naming_it(image_encoder, tmp_path):
    with pytest.raises(ImageLoadError, match="nowhere.jpg: no such file"):
        image_encoder.embed([tmp_path / "nowhere.jpg"])


def test_embed_with_errors_keeps_the_good_rows_and_reports_the_bad_one(image_encoder, make_image):
    good = make_image(colour="green")

    vectors, errors = image_encoder.embed_with_errors([good, b"garbage", good])

    assert list(errors) == [1]
    assert "not a readable image" in errors[1]
    assert not vectors[1].any()
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    np.testing.assert_allclose(vectors[0], image_encoder.embed([good])[0], atol=1e-5)


@pytest.mark.skipif(not cpu_bf16_supported(), reason="this CPU has no bf16 instructions (oneDNN needs AVX-512 BF16/AMX)")
def test_cpu_bf16_precision_gives_nearly_the_fp32_vectors_under_the_same_version(image_encoder, make_image):
    bf16 = ImageEncoder("efficientnet_lite0", input_size=128, device="cpu", precision="bf16")
    images = [make_image(colour="navy", shape="circle"), make_image(colour="orange", shape="stripes")]

    similarity = np.sum(bf16.embed(images) * image_encoder.embed(images), axis=1)

    assert bf16.version == image_encoder.version
    assert (similarity > 0.99).all()


@pytest.mark.skipif(cpu_bf16_supported(), reason="this CPU runs bf16")
def test_asking_for_bf16_on_a_cpu_without_it_says_so_at_once():
    with pytest.raises(ValueError, match="bf16 instructions"):
        ImageEncoder("efficientnet_lite0", input_size=64, device="cpu", precision="bf16")


def _eager_fp32_vectors(encoder: ImageEncoder, images) -> np.ndarray:
    """The unfolded fp32 model, as the one-at-a-time reference loop of bench/embed.py runs it."""
    batch, _ = encoder.preprocess(images)
    with torch.inference_mode():
        features = encoder.pooled_features(encoder._normalise(batch).float())
    return torch.nn.functional.normalize(features, dim=1).numpy()


def _randomise_batchnorm_statistics(model: torch.nn.Module) -> None:
    """Untrained BatchNorms are identities (mean 0, var 1, weight 1, bias 0), which folding would reproduce trivially."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                n = module.num_features
                module.running_mean.copy_(torch.randn(n, generator=generator) * 0.1)
                module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
                module.weight.copy_(torch.rand(n, generator=generator) + 0.5)
                module.bias.copy_(torch.randn(n, generator=generator) * 0.1)


@pytest.mark.parametrize("backbone", ["efficientnet_lite0", "resnet50"])
def test_fold_batchnorm_removes_every_batchnorm_and_keeps_the_outputs(backbone):
    model = ImageEncoder(backbone, input_size=64, weights=RANDOM_INIT, device="cpu", precision="fp32").model
    _randomise_batchnorm_statistics(model)
    x = torch.randn(2, 3, 64, 64)
    with torch.inference_mode():
        expected = model.forward_features(x)
        folded = fold_batchnorm(copy.deepcopy(model))
        got = folded.forward_features(x)

    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    scale = expected.abs().max().item()  # 50 random layers: compare rounding against the output's own scale
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.skipif(not cpu_conv_fusion_available(), reason="this torch build has no oneDNN fused convolution")
@pytest.mark.parametrize("size", [64, 65, 96])  # odd sizes make TensorFlow's SAME padding symmetric, even ones not
def test_fused_lite0_convolutions_give_the_eager_outputs_at_even_and_odd_sizes(size):
    model = ImageEncoder("efficientnet_lite0", input_size=64, device="cpu", precision="fp32").model
    x = torch.randn(2, 3, size, size)
    with torch.inference_mode():
        expected = model.forward_features(x)
        fused = fold_batchnorm(copy.deepcopy(model), fuse_activations=True)
        got = fused.forward_features(x)

    assert sum(isinstance(m, FusedConv2d) for m in fused.modules()) > 40
    assert not any(isinstance(m, torch.nn.ReLU6) for m in fused.modules())
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_cpu_batched_fp32_vectors_equal_the_unfolded_models(image_encoder, make_image):
    images = [make_image(colour="navy", shape="circle"), make_image(colour="orange", shape="stripes")]

    np.testing.assert_allclose(image_encoder.embed(images), _eager_fp32_vectors(image_encoder, images), atol=1e-5)


@pytest.mark.skipif(not cpu_bf16_supported(), reason="this CPU has no bf16 instructions (oneDNN needs AVX-512 BF16/AMX)")
def test_cpu_bf16_vectors_of_real_photos_stay_within_cosine_0_99_of_the_unfolded_fp32_ones(image_encoder, mini_dataset):
    photos = sorted((mini_dataset / "images").glob("*.jpg"))[:16]
    bf16 = ImageEncoder("efficientnet_lite0", input_size=128, device="cpu", precision="bf16")

    similarity = np.sum(bf16.embed(photos) * _eager_fp32_vectors(image_encoder, photos), axis=1)

    assert similarity.min() > 0.99


def test_the_folded_cpu_network_follows_a_change_of_the_models_weights(make_image):
    encoder = ImageEncoder("resnet50", input_size=64, weights=RANDOM_INIT, device="cpu", precision="fp32")
    images = [make_image(colour="red"), make_image(colour="green", shape="stripes")]
    encoder.embed(images)

    _randomise_batchnorm_statistics(encoder.model)

    np.testing.assert_allclose(encoder.embed(images), _eager_fp32_vectors(encoder, images), atol=1e-5)


def test_unknown_pooling_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="avg, max"):
        ImageEncoder(pooling="median", device="cpu")


def test_resnet50_without_its_weights_file_names_the_file_and_the_setting(tmp_path):
    expected = tmp_path / "weights" / "resnet50.pth"

    with pytest.raises(ModelWeightsMissing, match="ML_RESNET50_WEIGHTS") as error:
        ImageEncoder("resnet50", weights=expected, device="cpu")

    assert str(expected) in str(error.value)


def test_resnet50_with_no_weights_configured_names_the_setting():
    with pytest.raises(ModelWeightsMissing, match="ML_RESNET50_WEIGHTS"):
        get_item_encoder(EncoderConfig(backbone="resnet50", resnet50_weights=""))


def test_a_torchvision_resnet50_state_dict_file_loads_and_gives_2048_dim_vectors(tmp_path, make_image):
    from torchvision.models import resnet50

    torch.manual_seed(0)
    path = tmp_path / "resnet50.pth"
    torch.save(resnet50(weights=None).state_dict(), path)

    encoder = ImageEncoder("resnet50", weights=path, input_size=64, device="cpu")

    assert encoder.dim == 2048
    assert encoder.embed([make_image()]).shape == (1, 2048)
    assert encoder.version.startswith("img:resnet50:64:avg:")


def test_a_weights_file_for_another_architecture_is_refused(tmp_path):
    path = tmp_path / "wrong.pth"
    torch.save({"conv.weight": torch.zeros(1)}, path)

    with pytest.raises(RuntimeError, match="state_dict"):
        ImageEncoder("resnet50", weights=path, device="cpu")


def test_padding_keeps_the_aspect_ratio_on_white():
    tall = Image.new("RGB", (40, 80), "red")

    square = np.asarray(square_resize(tall, 64))

    assert square.shape == (64, 64, 3)
    assert (square[:, :10] == 255).all() and (square[:, -10:] == 255).all()
    assert tuple(square[32, 32]) == (255, 0, 0)


def test_a_transparent_png_is_embedded_on_white_like_a_catalogue_photo(image_encoder):
    cutout = Image.new("RGBA", (60, 80), (0, 0, 0, 0))
    cutout.paste((255, 0, 0, 255), (12, 16, 48, 64))
    on_white = Image.new("RGB", (60, 80), "white")
    on_white.paste((255, 0, 0), (12, 16, 48, 64))

    np.testing.assert_allclose(image_encoder.embed([cutout]), image_encoder.embed([on_white]), atol=1e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_decoding_gives_the_vectors_of_the_cpu_path(mini_dataset):
    paths = sorted((mini_dataset / "images").glob("*.jpg"))[:16]
    cpu = ImageEncoder(device="cpu").embed(paths)
    gpu = ImageEncoder(device="cuda", gpu_decode=True).embed(paths)

    assert (np.sum(cpu * gpu, axis=1) > 0.98).all()


# --- text encoder --------------------------------------------------------------------------------------------


def test_jeans_are_closer_to_other_jeans_than_to_a_watch(text_encoder):
    jeans, other_jeans, watch = text_encoder.embed(["blue denim jeans", "navy jeans for men", "gold wrist watch"])

    assert jeans @ other_jeans > jeans @ watch + 0.2


def test_text_vectors_are_unit_rows_of_384_floats(text_encoder):
    vectors = text_encoder.embed(["red cotton shirt", "leather handbag"])

    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_or_missing_text_gives_a_zero_vector(text_encoder):
    vectors = text_encoder.embed(["", "   ", None, "black boots"])

    assert not vectors[:3].any()
    assert vectors[3].any()


def test_text_version_names_the_model_and_its_checksum(text_encoder):
    assert text_encoder.version.startswith("txt:all-MiniLM-L6-v2:")


def test_item_text_adds_brand_colour_and_category_only_when_the_name_lacks_them():
    assert item_text(name="Receptor", brand="Adidas", colour="Grey", category="Sandals") == "Adidas Receptor Grey Sandals"
    assert (
        item_text(name="ADIDAS Men Receptor Grey Sandals", brand="Adidas", colour="Grey", category="Sandals")
        == "ADIDAS Men Receptor Grey Sandals"
    )


def test_item_text_of_nothing_is_empty():
    assert item_text() == ""
    assert item_text(name="  ", brand="") == ""


# --- item encoder --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def item_encoder(image_encoder, text_encoder):
    return ItemEncoder(image_encoder, text_encoder, image_weight=0.7)


def test_item_cosine_is_the_weighted_blend_of_image_and_text_cosines(item_encoder, image_encoder, text_encoder, make_image):
    images = [make_image(colour="red"), make_image(colour="navy", shape="stripes")]
    texts = ["red cotton shirt", "navy striped trousers"]

    a, b = item_encoder.embed(images, texts)
    image_cos = float(np.dot(*image_encoder.embed(images)))
    text_cos = float(np.dot(*text_encoder.embed(texts)))

    assert a @ b == pytest.approx(0.7 * image_cos + 0.3 * text_cos, abs=1e-5)


def test_item_vectors_are_unit_rows_of_both_dimensions(item_encoder, make_image):
    vectors = item_encoder.embed([make_image(), make_image(colour="green")], ["red shirt", None])

    assert vectors.shape == (2, 1280 + 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_photo_only_query_ranks_items_by_image_similarity_alone(item_encoder, image_encoder, make_image):
    catalogue_images = [make_image(colour=c, shape=s) for c in ("red", "navy", "green") for s in ("square", "circle")]
    catalogue_texts = ["gold wrist watch", "blue denim jeans", "leather belt", "silk saree", "running shoes", "red cap"]
    query = [make_image(colour="red", shape="circle", seed=3)]

    by_item = item_encoder.embed(catalogue_images, catalogue_texts) @ item_encoder.embed_images_only(query)[0]
    by_image = image_encoder.embed(catalogue_images) @ image_encoder.embed(query)[0]

    assert list(np.argsort(-by_item)) == list(np.argsort(-by_image))
    np.testing.assert_allclose(by_item, np.sqrt(0.7) * by_image, atol=1e-5)


def test_embed_images_only_equals_embed_with_no_texts(item_encoder, make_image):
    images = [make_image(colour="orange")]

    np.testing.assert_allclose(item_encoder.embed_images_only(images), item_encoder.embed(images, [None]), atol=1e-6)


def test_item_version_combines_both_models_and_the_weight(item_encoder, image_encoder, text_encoder):
    assert image_encoder.version in item_encoder.version
    assert text_encoder.version in item_encoder.version
    assert item_encoder.version.endswith("w=0.70")
    assert ItemEncoder(image_encoder, text_encoder, image_weight=0.5).version != item_encoder.version


def test_item_embed_refuses_a_text_list_of_another_length(item_encoder, make_image):
    with pytest.raises(ValueError, match="2 images but 1 texts"):
        item_encoder.embed([make_image(), make_image()], ["one"])


def test_item_embed_with_errors_zeroes_only_the_unreadable_item(item_encoder, make_image):
    vectors, errors = item_encoder.embed_with_errors([make_image(), b"junk"], ["red shirt", "blue shirt"])

    assert list(errors) == [1]
    assert not vectors[1].any()
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-5)


def test_get_item_encoder_builds_one_encoder_per_configuration():
    config = EncoderConfig(input_size=96, device="cpu")

    first = get_item_encoder(config)

    assert get_item_encoder(EncoderConfig(input_size=96, device="cpu")) is first
    assert first.version.startswith("item:img:efficientnet_lite0:96:avg:")


def test_importing_the_encoders_loads_no_model():
    code = (
        "import sys, ml.encoders, ml.images; "
        "assert 'sentence_transformers' not in sys.modules and 'timm' not in sys.modules, 'model code imported'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=120)


def _blend_only_encoder(image_dim: int = 3, text_dim: int = 2, weight: float = 0.7):
    from types import SimpleNamespace

    from ml.encoders import ItemEncoder

    return ItemEncoder(SimpleNamespace(dim=image_dim, version="img"), SimpleNamespace(dim=text_dim, version="txt"),
                       image_weight=weight)


def test_a_photo_borrows_the_mean_text_of_its_neighbours():
    encoder = _blend_only_encoder()
    photo = encoder.combine(np.array([[1.0, 0.0, 0.0]], np.float32), np.zeros((1, 2), np.float32))[0]
    neighbours = encoder.combine(np.eye(3, dtype=np.float32)[:2], np.array([[1.0, 0.0], [0.6, 0.8]], np.float32))

    query = encoder.with_borrowed_text(photo, neighbours)

    image, text = encoder.split(query)
    expected = np.array([1.6, 0.8]) / np.linalg.norm([1.6, 0.8])
    assert np.allclose(image[0], [1.0, 0.0, 0.0]) and np.allclose(text[0], expected, atol=1e-6)
    assert np.isclose(np.linalg.norm(query), 1.0)
    assert np.isclose(query[:3] @ query[:3], 0.7, atol=1e-6)  # the blend's image weight is kept


def test_a_photo_without_neighbours_stays_photo_only():
    encoder = _blend_only_encoder()
    photo = encoder.combine(np.array([[0.0, 1.0, 0.0]], np.float32), np.zeros((1, 2), np.float32))[0]

    assert np.allclose(encoder.with_borrowed_text(photo, np.zeros((0, 5), np.float32)), photo)


def test_a_cpu_encoder_flushes_subnormal_numbers_to_zero():
    """Subnormal activations (a fine-tuned trunk's near-dead channels) cost 2-3x on x86; the encoder turns them off."""
    torch.set_flush_denormal(False)
    assert torch.tensor([1e-40]).item() != 0.0
    ImageEncoder(input_size=64, weights=RANDOM_INIT, device="cpu")
    assert torch.tensor([1e-40]).item() == 0.0
