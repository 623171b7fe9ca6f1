"""The evaluation's held-out sampling, home-photo tasks, per-configuration encoders and fine-tuned weights."""
from pathlib import Path

import numpy as np
import pytest

from ml import evaluate
from ml.weights import FINE_TUNED_WEIGHTS
from tests.ml.test_evaluate import MINI, LabelFeatures, make_dataset


def draw(data: evaluate.Dataset, **changes) -> evaluate.Samples:
    options = {"seed": 1, "n_queries": 60, "n_wardrobes": 6, "min_persona_items": 40, "n_home_queries": 20,
               "n_home_wardrobes": 3, **changes}
    return evaluate.draw_samples(data, **options)


def test_no_sampled_query_wardrobe_or_board_item_is_outside_the_evaluation_split(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)
    samples = draw(data)
    assert len(samples.queries) == 60 and len(samples.wardrobes) == 6 and samples.boards
    assert {data.split[i] for i in samples.items()} == {"evaluation"}


def test_home_samples_are_a_subset_of_the_clean_ones(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)
    samples = draw(data)
    assert len(samples.home_queries) == 20 and set(samples.home_queries) <= set(samples.queries)
    assert samples.home_wardrobes == samples.wardrobes[:3]


def test_the_inventory_a_query_searches_is_every_item(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)
    queries = draw(data).queries
    method = evaluate.CosineKnnMethod(LabelFeatures(data).image(input_size=128, pooling="max"))
    idx, _ = method.similar(queries, k=10, rng=np.random.default_rng(0))
    assert "train" in {data.split[i] for i in idx.ravel()}


def test_a_home_photo_finds_its_own_product(tmp_path):
    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    queries = np.arange(0, len(data), 5)
    method = evaluate.CosineKnnMethod(features.image(input_size=128, pooling="max"))
    home = features.home_image(queries, seed=1, input_size=128, pooling="max")
    idx, dist = method.similar_to_vectors(home, k=evaluate.K_HOME_SELF, rng=np.random.default_rng(0))
    find_similar, _ = evaluate.score_home_similar(data, queries, idx, dist)
    assert find_similar["self_top12"] == 1.0


def test_home_precision_and_tags_do_not_count_the_own_product(tmp_path):
    data = make_dataset(tmp_path)
    query = 0  # a Shirt
    others = [i for i in range(len(data)) if data.article_type[i] != data.article_type[query]][:11]
    idx = np.array([[query, *others]])
    find_similar, autotag = evaluate.score_home_similar(data, np.array([query]), idx, np.zeros(idx.shape))
    assert find_similar["self_top12"] == 1.0
    assert find_similar["p10_articletype"] == 0.0
    assert autotag["articletype_top1"] == 0.0


def test_a_unisex_query_has_no_other_gender_to_show(tmp_path):
    data = make_dataset(tmp_path)
    data.gender[0] = "Unisex"
    men = [i for i in range(len(data)) if data.gender[i] == "Men"][1:11]
    find_similar, _ = evaluate.score_similar(data, np.array([0]), np.array([men]), np.zeros((1, 10)))
    assert find_similar["other_gender"] is None


def test_ours_finds_a_home_photos_product_among_every_item(tmp_path):
    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    method = evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                                 evaluate.OursSettings())
    queries = np.arange(3, len(data), 11)
    home = features.home_image(queries, seed=2, input_size=128, pooling="avg", raw=True)
    # further from the catalogue photo than a near-copy, which find-similar leaves out (SIMILAR_DUPLICATE)
    home = evaluate.normalise_rows(home + np.random.default_rng(3).normal(0, 0.3, home.shape))
    idx, _ = method.similar_to_vectors(home, k=evaluate.K_HOME_SELF, rng=np.random.default_rng(0))
    assert np.mean([q in row for q, row in zip(queries, idx)]) > 0.9


def test_home_closets_say_how_often_their_gender_could_not_be_read(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)
    result = evaluate.run(data, LabelFeatures(data), configs=["seed-knn", "ours"], seed=1, n_queries=30,
                          n_wardrobes=4, min_persona_items=40, seed_input_size=128, n_home_queries=10)
    assert result["dataset"]["home_queries"] == 10 and result["dataset"]["home_wardrobes"] == 4
    assert 0.0 <= result["configs"]["ours"]["wardrobe_photo_only_home"]["gender_unread"] <= 1.0
    assert result["configs"]["seed-knn"]["wardrobe_photo_only_home"]["gender_unread"] is None  # no gender filter
    assert "| FS home own product in top 12 |" in evaluate.markdown_table(result["configs"])


def test_the_references_keep_their_input_size_while_ours_uses_its_own():
    specs = evaluate.config_specs(seed_input_size=224, ours_input_size=96)
    assert specs["seed-knn"].image.input_size == 224 and specs["seed-closetspace"].image.input_size == 224
    assert specs["ours"].image.input_size == 96 and specs["ours-nomask"].image.input_size == 96
    assert specs["ours-128px"].image.input_size == 128


def test_ours_nomask_embeds_home_photos_without_the_background_removal():
    specs = evaluate.config_specs(seed_input_size=224)
    assert specs["ours"].home_mask and not specs["ours-nomask"].home_mask
    assert specs["ours-nomask"].image == specs["ours"].image


def test_weights_add_the_fine_tuned_configurations():
    assert "ours-ft" not in evaluate.config_specs(seed_input_size=224)
    specs = evaluate.config_specs(seed_input_size=224, ours_input_size=128, weights="var/ft.pt")
    assert specs["ours-ft"].image == evaluate.ImageSpec(128, "avg", weights="var/ft.pt")
    assert specs["ours-ft-nomask"].image == specs["ours-ft"].image and not specs["ours-ft-nomask"].home_mask
    assert specs["ours"].image.weights == str(FINE_TUNED_WEIGHTS)


def test_ours_reads_the_shipped_fine_tuned_trunk_and_ours_imagenet_the_weights_it_replaced():
    specs = evaluate.config_specs(seed_input_size=224)
    assert specs["ours"].image == evaluate.ImageSpec(96, "avg", weights=str(FINE_TUNED_WEIGHTS))
    assert specs["ours-imagenet"].image == evaluate.ImageSpec(96, "avg", weights=None)
    assert specs["ours-imagenet-nomask"].image.weights is None and not specs["ours-imagenet-nomask"].home_mask


def test_the_command_refuses_weights_that_are_not_there(tmp_path):
    with pytest.raises(SystemExit):
        evaluate.main(["--data", str(tmp_path), "--weights", str(tmp_path / "none.pt")])


def mini_features(tmp_path: Path, n: int = 4) -> tuple[evaluate.Dataset, evaluate.PooledFeatures]:
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"the mini dataset is not at {MINI}")
    full = evaluate.load_dataset(MINI)
    data = evaluate.Dataset(root=full.root, items=full.items[:n])
    return data, evaluate.PooledFeatures(data, cache=evaluate.EmbeddingCache(tmp_path / "cache"), cost_sample=2)


def part_files(root: Path) -> list[Path]:
    return sorted(root.rglob("part-*.npz"))


@pytest.mark.slow
def test_a_home_photo_is_embedded_as_the_site_embeds_a_closet_photo(tmp_path):
    from ml.encoders import ImageEncoder
    from ml.masks import photo_for_embedding

    data, features = mini_features(tmp_path)
    vectors = features.home_image([0, 1], seed=3, input_size=64, pooling="avg")
    jpegs = features.home_jpegs([0, 1], seed=3)
    site = ImageEncoder(input_size=64, pooling="avg", device="cpu").embed([photo_for_embedding(j) for j in jpegs])
    # the site's CPU path runs a BatchNorm-folded (maybe bf16) copy: cosine > 0.99, as ImageEncoder documents
    assert (vectors * site).sum(axis=1).min() > 0.99


@pytest.mark.slow
def test_home_photos_are_cached_apart_by_mask_step_and_embedded_once(tmp_path):
    data, features = mini_features(tmp_path)
    masked = features.home_image([0, 1, 2], seed=3, input_size=64, pooling="avg", mask=True)
    plain = features.home_image([0, 1, 2], seed=3, input_size=64, pooling="avg", mask=False)
    assert (masked * plain).sum(axis=1).min() < 0.999  # the background removal changed what the encoder saw
    clean = features.image(input_size=64, pooling="avg")
    folders = {p.parent.name for p in part_files(tmp_path / "cache")}
    assert len(folders) == 2 and any(f.endswith("home") for f in folders)
    before = part_files(tmp_path / "cache")

    _, again = mini_features(tmp_path)
    assert np.allclose(again.home_image([0, 1, 2], seed=3, input_size=64, pooling="avg", mask=True), masked)
    assert np.allclose(again.image(input_size=64, pooling="avg"), clean)
    assert part_files(tmp_path / "cache") == before


@pytest.mark.slow
def test_fine_tuned_weights_get_vectors_and_a_cache_version_of_their_own(tmp_path):
    import torch

    from ml.encoders.backbones import build_backbone

    backbone, _ = build_backbone("efficientnet_lite0", None)
    state = backbone.net.state_dict()
    first = next(k for k, v in state.items() if v.ndim == 4)
    state[first] = state[first] * 1.5
    weights = tmp_path / "ft.pt"
    torch.save(state, weights)
    data, features = mini_features(tmp_path)
    default = features.image(input_size=64, pooling="avg")
    tuned = features.image(input_size=64, pooling="avg", weights=str(weights))
    assert (default * tuned).sum(axis=1).min() < 0.9999
    assert len({p.parent.name for p in part_files(tmp_path / "cache")}) == 2


@pytest.mark.slow
def test_a_cold_cache_gives_the_same_home_vectors_again(tmp_path):
    _, first = mini_features(tmp_path / "one", n=6)
    _, second = mini_features(tmp_path / "two", n=6)
    positions = list(range(6))
    assert np.allclose(first.home_image(positions, seed=4, input_size=64, pooling="max"),
                       second.home_image(positions, seed=4, input_size=64, pooling="max"), atol=1e-6)
