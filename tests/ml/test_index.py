"""ml.index: the Annoy wrapper on disk, its integrity checks, and the exact fallback."""
import json
import logging

import numpy as np
import pytest

from ml.index import (
    META_FILE,
    AnnoyVectorIndex,
    ExactIndex,
    IndexLoadError,
    IndexVersionMismatch,
    VectorIndex,
    as_float32,
    load_index,
    verify_mapped,
)

N, DIM = 600, 48


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(12, DIM))
    vectors = centres[rng.integers(0, 12, N)] + 0.35 * rng.normal(size=(N, DIM))
    ids = rng.permutation(np.arange(10_000, 10_000 + 3 * N, 3))  # sparse, unordered ids
    queries = vectors[:20] + 0.2 * rng.normal(size=(20, DIM))
    return ids.astype(np.int64), vectors.astype(np.float32), queries.astype(np.float32)


@pytest.fixture
def built(tmp_path, data):
    ids, vectors, _ = data
    return AnnoyVectorIndex.build(
        tmp_path / "v1", ids, vectors, model_version="m1", n_trees=8, search_k=-1, vector_dtype="float32"
    )


def _ids(neighbours):
    return [i for i, _ in neighbours]


def test_save_then_load_answers_queries_identically(built, data):
    _, _, queries = data
    loaded = AnnoyVectorIndex.load(built.folder, expected_version="m1")
    for q in queries:
        assert loaded.query(q, 10) == built.query(q, 10)
    assert loaded.meta["count"] == N and loaded.meta["dim"] == DIM and loaded.meta["n_trees"] == 8


def test_metadata_records_what_was_built(built):
    meta = json.loads((built.folder / META_FILE).read_text())
    assert meta["model_version"] == "m1"
    assert meta["metric"] == "euclidean" and meta["pca_dims"] is None
    assert set(meta["files"]) == {"index.ann", "ids.npy", "vectors.npy"}
    assert all(len(f["sha256"]) == 64 and f["bytes"] > 0 for f in meta["files"].values())
    assert meta["build_seconds"] >= 0 and meta["built_at"]


def test_exact_fallback_returns_the_same_neighbours_as_the_index(built, data):
    ids, vectors, queries = data
    exact = ExactIndex(ids, vectors, model_version="m1")
    for q in queries:
        got, want = built.query(q, 10), exact.query(q, 10)
        assert _ids(got) == _ids(want)
        assert np.allclose([d for _, d in got], [d for _, d in want], atol=1e-5)


def test_pca_index_with_overfetch_finds_most_exact_neighbours(tmp_path, data):
    ids, vectors, queries = data
    index = AnnoyVectorIndex.build(
        tmp_path / "pca", ids, vectors, model_version="m1", pca_dims=16, n_trees=8, search_k=-1, overfetch=5
    )
    exact = ExactIndex(ids, vectors)
    overlap = [len(set(_ids(index.query(q, 10))) & set(_ids(exact.query(q, 10)))) for q in queries]
    assert np.mean(overlap) >= 9.0
    assert index.pca is not None and index.pca.components.shape == (16, DIM)


def test_distances_are_euclidean_between_normalised_vectors(built, data):
    ids, vectors, _ = data
    q = vectors[3] * 5.0  # the scale of a query does not matter
    (first_id, first_d), (second_id, second_d) = built.query(q, 2)
    assert first_id == ids[3] and first_d == pytest.approx(0.0, abs=1e-3)
    a, b = vectors[3] / np.linalg.norm(vectors[3]), built.vector(second_id)
    assert second_d == pytest.approx(float(np.linalg.norm(a - b)), abs=1e-4)


def test_angular_metric_reports_the_same_distances(tmp_path, data, built):
    ids, vectors, queries = data
    angular = AnnoyVectorIndex.build(
        tmp_path / "ang", ids, vectors, model_version="m1", metric="angular", search_k=-1, vector_dtype="float32"
    )
    assert angular.query(queries[0], 5) == built.query(queries[0], 5)


def test_excluded_ids_never_come_back_and_k_is_still_filled(built, data):
    _, _, queries = data
    first = _ids(built.query(queries[0], 10))
    again = built.query(queries[0], 10, exclude=first[:5])
    assert len(again) == 10 and not set(first[:5]) & set(_ids(again))


def test_vector_returns_the_stored_unit_vector_and_unknown_ids_raise(built, data):
    ids, vectors, _ = data
    assert np.allclose(built.vector(ids[0]), vectors[0] / np.linalg.norm(vectors[0]), atol=1e-6)
    assert ids[0] in built and 1 not in built
    with pytest.raises(KeyError):
        built.vector(1)


def test_both_implementations_satisfy_the_protocol(built, data):
    ids, vectors, _ = data
    assert isinstance(built, VectorIndex) and isinstance(ExactIndex(ids, vectors), VectorIndex)


def test_query_batch_matches_single_queries(built, data):
    ids, vectors, queries = data
    exact = ExactIndex(ids, vectors)
    for index in (exact, built):
        batch, single = index.query_batch(queries[:4], 5), [index.query(q, 5) for q in queries[:4]]
        assert [_ids(r) for r in batch] == [_ids(r) for r in single]
        assert np.allclose([[d for _, d in r] for r in batch], [[d for _, d in r] for r in single], atol=1e-5)


def test_building_over_an_existing_folder_is_refused(built, data):
    ids, vectors, _ = data
    with pytest.raises(FileExistsError):
        AnnoyVectorIndex.build(built.folder, ids, vectors, model_version="m2")


def test_duplicate_ids_are_refused(tmp_path, data):
    ids, vectors, _ = data
    ids = ids.copy()
    ids[1] = ids[0]
    with pytest.raises(ValueError, match="unique"):
        AnnoyVectorIndex.build(tmp_path / "dup", ids, vectors, model_version="m1")
    assert not (tmp_path / "dup").exists()


def test_a_query_of_the_wrong_dimension_is_refused(built):
    with pytest.raises(ValueError, match="dims"):
        built.query(np.ones(DIM + 1, dtype=np.float32), 5)


def test_corrupt_index_file_is_detected(built):
    path = built.folder / "index.ann"
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2 : len(blob) // 2 + 64] = b"\xff" * 64
    path.write_bytes(bytes(blob))
    with pytest.raises(IndexLoadError, match="sha256"):
        AnnoyVectorIndex.load(built.folder, expected_version="m1")


def test_truncated_index_file_is_detected(built):
    path = built.folder / "index.ann"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(IndexLoadError, match="truncated"):
        AnnoyVectorIndex.load(built.folder, expected_version="m1", verify_checksums=False)


@pytest.mark.parametrize("name", ["index.ann", "ids.npy", "vectors.npy", "meta.json"])
def test_a_missing_file_is_detected(built, name):
    (built.folder / name).unlink()
    with pytest.raises(IndexLoadError, match="missing"):
        AnnoyVectorIndex.load(built.folder)


def test_a_missing_folder_is_detected(tmp_path):
    with pytest.raises(IndexLoadError):
        AnnoyVectorIndex.load(tmp_path / "nowhere")


def test_garbled_metadata_is_detected(built):
    (built.folder / META_FILE).write_text("{not json")
    with pytest.raises(IndexLoadError, match="unreadable"):
        AnnoyVectorIndex.load(built.folder)


def test_another_model_version_is_refused(built):
    with pytest.raises(IndexVersionMismatch, match="m1"):
        AnnoyVectorIndex.load(built.folder, expected_version="m2")


def test_load_index_returns_the_annoy_index_when_it_is_sound(built, data):
    ids, vectors, _ = data
    index = load_index(built.folder, expected_version="m1", fallback=(ids, vectors))
    assert isinstance(index, AnnoyVectorIndex)


@pytest.mark.parametrize("damage", ["corrupt", "truncate", "delete", "version"])
def test_load_index_falls_back_to_exact_search_with_a_logged_reason(built, data, damage, caplog):
    ids, vectors, queries = data
    path = built.folder / "index.ann"
    if damage == "corrupt":
        path.write_bytes(b"\x00" * path.stat().st_size)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:-4])
    elif damage == "delete":
        path.unlink()
    expected = "m2" if damage == "version" else "m1"
    with caplog.at_level(logging.WARNING, logger="ml.index"):
        index = load_index(built.folder, expected_version=expected, fallback=(ids, vectors))
    assert isinstance(index, ExactIndex) and index.fallback_reason
    assert "exact search" in caplog.text
    assert _ids(index.query(queries[0], 5)) == _ids(ExactIndex(ids, vectors).query(queries[0], 5))


def test_load_index_reads_the_fallback_vectors_only_when_needed(built, data):
    ids, vectors, _ = data
    calls = []

    def fallback():
        calls.append(1)
        return ids, vectors

    load_index(built.folder, expected_version="m1", fallback=fallback)
    assert calls == []
    assert isinstance(load_index(None, expected_version="m1", fallback=fallback), ExactIndex) and calls == [1]


def test_exact_search_over_many_chunks_matches_a_full_sort(data):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(70_000, 8)).astype(np.float32)
    ids = np.arange(len(vectors))
    q = rng.normal(size=8).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    want = np.argsort(np.linalg.norm(unit - q / np.linalg.norm(q), axis=1))[:10]
    assert _ids(ExactIndex(ids, vectors).query(q, 10)) == want.tolist()


def test_pca_is_skipped_when_there_are_too_few_vectors_to_fit_it(tmp_path, data):
    ids, vectors, _ = data
    index = AnnoyVectorIndex.build(tmp_path / "few", ids[:40], vectors[:40], model_version="m1", pca_dims=32)
    assert index.pca is None and index.meta["pca_dims"] is None


def test_float16_rows_convert_to_float32_exactly_including_subnormals_and_read_only_views():
    rows = np.array([[1.0, -0.5, 6e-8, -3e-5], [65504.0, 0.0, -0.0, 1e-4]], dtype=np.float16)
    rows.flags.writeable = False
    out = as_float32(rows[:, 1:])
    assert out.dtype == np.float32
    assert np.array_equal(out, rows[:, 1:].astype(np.float32))


def test_a_mapped_index_whose_file_is_overwritten_in_place_fails_verify_mapped(built):
    verify_mapped(built)  # untouched: passes
    path = built.folder / "vectors.npy"
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\x00" * 64)  # same size, new bytes
    with pytest.raises(IndexLoadError, match="changed on disk"):
        verify_mapped(built)


def test_a_mapped_index_whose_file_was_replaced_fails_verify_mapped(built):
    path = built.folder / "ids.npy"
    content = path.read_bytes()
    path.unlink()
    path.write_bytes(content)  # same bytes, another file: not what was verified and mapped
    with pytest.raises(IndexLoadError):
        verify_mapped(built)


def test_a_loaded_index_passes_verify_mapped_until_its_files_change(built):
    loaded = AnnoyVectorIndex.load(built.folder)
    verify_mapped(loaded)
    (built.folder / "index.ann").unlink()
    with pytest.raises(IndexLoadError):
        verify_mapped(loaded)
