"""The evaluation harness on small synthetic datasets whose right answers are known, plus one run on real photos."""
import json
from pathlib import Path

import numpy as np
import pytest

from ml import evaluate
from ml.data import StyleItem

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"
TYPES = ("Shirts", "Jeans", "Watches", "Sandals")
COLOURS = ("Black", "White", "Blue", "Red")


def make_item(n: int, *, gender: str, usage: str, article_type: str, colour: str) -> StyleItem:
    return StyleItem(id=str(n), gender=gender, master_category="Apparel", sub_category="x",
                     article_type=article_type, base_colour=colour, season="Summer", year="2012", usage=usage,
                     name=f"Brand {gender} {colour} {article_type}", row_number=n + 2)


def make_dataset(tmp_path, *, per_cell: int = 6) -> evaluate.Dataset:
    items, n = [], 0
    for gender in ("Men", "Women"):
        for usage in ("Casual", "Sports"):
            for article_type in TYPES:
                for colour in COLOURS:
                    for _ in range(per_cell):
                        items.append(make_item(n, gender=gender, usage=usage, article_type=article_type,
                                               colour=colour))
                        n += 1
    return evaluate.Dataset(root=tmp_path, items=items)


def one_hot(values: np.ndarray) -> np.ndarray:
    names = sorted(set(values))
    return np.array([[v == name for name in names] for v in values], dtype=np.float32)


class LabelFeatures:
    """Stands in for the CNN and SBERT: vectors built from the labels, so a good method has a right answer."""

    def __init__(self, data: evaluate.Dataset, *, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        blocks = [one_hot(data.article_type) * 2, one_hot(data.base_colour), one_hot(data.gender),
                  one_hot(data.usage)]
        self._image = np.concatenate(blocks, axis=1) + rng.normal(0, 0.05, (len(data), 12)).astype(np.float32)
        self._text = evaluate.normalise_rows(np.concatenate(blocks[2:], axis=1))
        self.embed_ms_per_item = {"img:fake:128:avg:0+avg,max,raw": 1.0, "txt:fake": 1.0}

    def image(self, *, input_size: int, pooling: str, raw: bool = False, weights: str | None = None) -> np.ndarray:
        return self._image if raw else evaluate.normalise_rows(self._image)

    def home_image(self, positions, *, seed: int, input_size: int, pooling: str, raw: bool = False,
                   weights: str | None = None, mask: bool = True) -> np.ndarray:
        """A home photo: its item's vector moved a little (a little more without the background removal)."""
        rng = np.random.default_rng([seed, 99])
        noise = rng.normal(0, 0.1 if mask else 0.3, (len(positions), self._image.shape[1])).astype(np.float32)
        home = self._image[np.asarray(positions, dtype=np.int64)] + noise
        return home if raw else evaluate.normalise_rows(home)

    def text(self) -> np.ndarray:
        return self._text


def test_wardrobes_follow_persona_palette_and_type_rules(tmp_path):
    data = make_dataset(tmp_path)
    wardrobes = evaluate.sample_wardrobes(data, n=20, rng=np.random.default_rng(3), min_persona_items=60)
    assert len(wardrobes) == 20
    for w in wardrobes:
        members = list(w.items) + list(w.heldout)
        assert len(w.items) == 10 and len(w.heldout) == 5
        assert len(set(members)) == 15
        assert {data.gender[i] for i in members} == {w.gender}
        assert {data.usage[i] for i in members} == {w.usage}
        assert {data.base_colour[i] for i in members} <= set(w.palette) and len(w.palette) == 3
        assert len({data.article_type[i] for i in w.items}) >= 3


def test_wardrobes_are_the_same_for_the_same_seed(tmp_path):
    data = make_dataset(tmp_path)
    first = evaluate.sample_wardrobes(data, n=5, rng=np.random.default_rng(7), min_persona_items=60)
    again = evaluate.sample_wardrobes(data, n=5, rng=np.random.default_rng(7), min_persona_items=60)
    assert first == again


def test_personas_leave_out_unisex_and_small_groups(tmp_path):
    data = make_dataset(tmp_path, per_cell=1)
    assert evaluate.personas(data, min_items=16) == [("Men", "Casual"), ("Men", "Sports"), ("Women", "Casual"),
                                                     ("Women", "Sports")]
    assert evaluate.personas(data, min_items=17) == []


def test_wardrobes_explain_when_no_persona_is_big_enough(tmp_path):
    data = make_dataset(tmp_path, per_cell=1)
    with pytest.raises(ValueError, match="no \\(gender, usage\\) persona has 60 items"):
        evaluate.sample_wardrobes(data, n=1, rng=np.random.default_rng(0), min_persona_items=60)


def test_cache_embeds_only_what_it_has_not_seen(tmp_path):
    cache = evaluate.EmbeddingCache(tmp_path)
    calls = []

    def compute(positions):
        calls.append(list(positions))
        return np.array([[float(p), 1.0] for p in positions])

    first = cache.get("img:v1", ["a", "b"], compute)
    second = cache.get("img:v1", ["b", "c", "a"], compute)
    assert calls == [[0, 1], [1]]
    assert second.tolist() == [first[1].tolist(), [1.0, 1.0], first[0].tolist()]


def test_cache_keeps_model_versions_apart(tmp_path):
    cache = evaluate.EmbeddingCache(tmp_path)
    cache.get("img:v1", ["a"], lambda p: np.zeros((len(p), 2)))
    assert cache.get("img:v2", ["a"], lambda p: np.ones((len(p), 2))).tolist() == [[1.0, 1.0]]


def test_label_perfect_features_find_the_same_article_type(tmp_path):
    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    queries = np.arange(0, len(data), 7)
    method = evaluate.CosineKnnMethod(features.image(input_size=128, pooling="max"))
    idx, dist = method.similar(queries, k=10, rng=np.random.default_rng(0))
    assert not np.any(idx == queries[:, None])
    find_similar, autotag = evaluate.score_similar(data, queries, idx, dist)
    assert find_similar["p10_articletype"] == 1.0
    assert autotag["articletype_top1"] == 1.0


def test_random_neighbours_score_near_the_base_rate(tmp_path):
    data = make_dataset(tmp_path)
    queries = np.arange(len(data))
    idx, dist = evaluate.RandomMethod(len(data)).similar(queries, k=10, rng=np.random.default_rng(0))
    find_similar, _ = evaluate.score_similar(data, queries, idx, dist)
    assert not np.any(idx == queries[:, None])
    assert find_similar["p10_articletype"] == pytest.approx(0.25, abs=0.03)


def test_closetspace_noise_matches_noise_added_to_the_items():
    rng = np.random.default_rng(0)
    image, text = rng.normal(size=(3, 6)).astype(np.float32), np.zeros((3, 2), dtype=np.float32)
    method = evaluate.ClosetspaceMethod(image, text, sigma=0.3)
    q = np.concatenate([image[:1] + 0.5, np.zeros((1, 2))], axis=1).astype(np.float32)
    drawn = np.stack([-method._noisy_scores(q, rng)[0] for _ in range(20000)])
    explicit = np.stack([((q - (method.x + rng.normal(0, 0.3, method.x.shape))) ** 2).sum(axis=1)
                         for _ in range(20000)])
    assert drawn.mean(axis=0) == pytest.approx(explicit.mean(axis=0), rel=0.02)
    assert drawn.std(axis=0) == pytest.approx(explicit.std(axis=0), rel=0.06)


def test_closetspace_without_noise_is_exact_euclidean_search():
    image = np.array([[0, 0], [1, 0], [5, 0]], dtype=np.float32)
    method = evaluate.ClosetspaceMethod(image, np.zeros((3, 1), dtype=np.float32), sigma=0.0)
    idx, dist = method.similar(np.array([0]), k=2, rng=np.random.default_rng(0))
    assert idx[0].tolist() == [1, 2]
    assert dist[0] == pytest.approx([1.0, 5.0])


def test_ours_keeps_to_the_gender_the_closet_photos_show(tmp_path):
    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    method = evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                                 evaluate.OursSettings(sigma=0.05, exploration=0.0, usage_filter=True))
    wardrobes = evaluate.sample_wardrobes(data, n=10, rng=np.random.default_rng(1), min_persona_items=60)
    method.prepare(evaluation_items=np.unique([i for w in wardrobes for i in w.items + w.heldout]))
    scores = evaluate.score_wardrobes(data, method, wardrobes, named=False, rng=np.random.default_rng(2),
                                      timings=[])
    assert scores["gender_violations"] == 0.0
    assert scores["persona_precision"] == 1.0


def test_the_gender_probe_never_learns_from_queries_wardrobes_or_held_out_items(tmp_path, monkeypatch):
    import ml.gender

    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    seen = []
    train = ml.gender.train_probe
    monkeypatch.setattr(ml.gender, "train_probe", lambda x, labels, **kw: seen.append(x) or train(x, labels, **kw))
    method = evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                                 evaluate.OursSettings())
    evaluation_items = np.array([0, 5, 17, 200])
    method.prepare(evaluation_items=evaluation_items)

    trained_on = {row.tobytes() for row in seen[0]}
    probe_rows = method.probe_input(method.x)
    assert len(seen[0]) == len(data) - len(evaluation_items)
    assert not any(method.x[i].tobytes() in trained_on for i in evaluation_items)
    assert not any(probe_rows[i].tobytes() in trained_on for i in evaluation_items)
    assert probe_rows[1].tobytes() in trained_on


def test_ours_reads_item_vectors_as_the_site_does(tmp_path):
    from ml.vectors import VectorLayout

    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    image, text = features.image(input_size=128, pooling="avg"), features.text()
    method = evaluate.OursMethod(image, text, data, evaluate.OursSettings())
    layout = VectorLayout(image.shape[1], text.shape[1], 0.7)

    assert np.allclose(method.x, layout.blend(image, text), atol=1e-6)
    assert np.allclose(method.probe_input(method.x[:5]), image[:5], atol=1e-6)


def test_a_photo_borrows_the_text_of_its_visual_neighbours_as_the_site_does(tmp_path):
    from ml.vectors import VectorLayout

    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    image, text = features.image(input_size=128, pooling="avg"), features.text()
    method = evaluate.OursMethod(image, text, data, evaluate.OursSettings())
    layout = VectorLayout(image.shape[1], text.shape[1], 0.7)
    query = 7
    photo_only = layout.photo_only(image[[query]])[0]
    by_image = (method.x @ photo_only).astype(np.float64)
    by_image[query] = -np.inf
    near = np.argsort(-by_image, kind="stable")[: method.s.impute_neighbours]

    site = layout.borrow_text(photo_only, method.x[near])  # ItemEncoder.with_borrowed_text on the site
    assert np.allclose(method.photo_vectors([query])[0], site, atol=1e-5)
    assert not np.allclose(site, photo_only, atol=1e-3)  # the borrowed text changed the vector


def test_python_m_ml_evaluate_is_the_command():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ml.evaluate", "--help"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Offline evaluation of recommendation quality" in done.stdout
    assert "--queries" in done.stdout


def test_run_reports_every_metric_for_every_config(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)  # the run samples from the evaluation split, a fifth
    result = evaluate.run(data, LabelFeatures(data), configs=["random", "seed-knn", "seed-closetspace", "ours"],
                          seed=1, n_queries=50, n_wardrobes=5, min_persona_items=40, seed_input_size=128)
    assert set(result["configs"]) == {"random", "seed-knn", "seed-closetspace", "ours"}
    ours = result["configs"]["ours"]
    assert set(ours["find_similar"]) == {"p10_articletype", "p10_articletype_colour", "map10_articletype",
                                         "other_gender"}
    assert set(ours["find_similar_home"]) == set(ours["find_similar"]) | {"self_top12"}
    assert set(ours["wardrobe_photo_only"]) == {"persona_precision", "palette_precision", "gender_violations",
                                                "heldout_recall20", "distinct_articletypes", "refresh_overlap",
                                                "category_coverage", "max_credit_share"}
    assert result["configs"]["seed-knn"]["wardrobe_photo_only"]["max_credit_share"] is None  # names no reason
    assert set(ours["wardrobe_photo_only_home"]) == set(ours["wardrobe_photo_only"]) | {"gender_unread"}
    assert set(ours["autotag"]) == {"articletype_top1", "colour_top1", "site_category_top1"}
    assert set(ours["autotag_home"]) == set(ours["autotag"])
    assert ours["find_similar"]["p10_articletype"] > result["configs"]["random"]["find_similar"]["p10_articletype"]
    assert result["configs"]["seed-knn"]["wardrobe_named"]["refresh_overlap"] == 1.0
    json.dumps(result, default=float)


def test_a_run_about_the_encoder_can_leave_out_the_slow_ranking_tasks(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)
    kept = evaluate.run(data, LabelFeatures(data), configs=["ours"], seed=1, n_queries=20, n_wardrobes=3,
                        min_persona_items=40, seed_input_size=128)["configs"]["ours"]
    skipped = evaluate.run(data, LabelFeatures(data), configs=["ours"], seed=1, n_queries=20, n_wardrobes=3,
                           min_persona_items=40, seed_input_size=128,
                           skip=frozenset({"style_this", "mood_board"}))["configs"]["ours"]
    assert "style_this" in kept and "style_this" not in skipped and "mood_board" not in skipped
    assert skipped["find_similar"] == kept["find_similar"]


def test_aggregate_reports_the_spread_over_seeds():
    runs = [{"configs": {"ours": {"find_similar": {"p10_articletype": v}}}} for v in (0.5, 0.7)]
    spread = evaluate.aggregate(runs)["ours"]["find_similar"]["p10_articletype"]
    assert spread["mean"] == pytest.approx(0.6)
    assert spread["min"] == 0.5 and spread["max"] == 0.7


def test_the_table_has_a_column_per_config():
    configs = {"a": {"find_similar": {"p10_articletype": 0.5}}, "b": {"find_similar": {"p10_articletype": 0.25}}}
    table = evaluate.markdown_table(configs)
    assert table.splitlines()[0] == "| metric | a | b |"
    assert "| FS P@10 type | 0.500 | 0.250 |" in table


def test_a_folder_without_items_csv_is_refused_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="no items.csv"):
        evaluate.main(["--data", str(tmp_path), "--out", str(tmp_path / "x.json")])


def test_an_unknown_config_is_refused_with_the_known_names(tmp_path):
    data = make_dataset(tmp_path)
    with pytest.raises(SystemExit, match="unknown config\\(s\\) nope; known: random"):
        evaluate.run(data, LabelFeatures(data), configs=["nope"], seed=1, n_queries=5, n_wardrobes=1,
                     min_persona_items=60, seed_input_size=128)


@pytest.mark.slow
def test_the_command_scores_the_mini_set_from_real_photos(tmp_path):
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"the mini dataset is not at {MINI}")
    out = tmp_path / "eval.json"
    evaluate.main(["--data", str(MINI), "--out", str(out), "--queries", "40", "--wardrobes", "4",
                   "--min-persona-items", "5", "--home-queries", "10", "--home-wardrobes", "2",
                   "--cache", str(tmp_path / "cache"), "--configs", "random,ours"])
    result = json.loads(out.read_text())
    assert result["dataset"]["items"] == 300
    ours = result["configs"]["ours"]["find_similar"]["p10_articletype"]
    assert ours > result["configs"]["random"]["find_similar"]["p10_articletype"]
    home = result["configs"]["ours"]["find_similar_home"]["self_top12"]
    assert home > result["configs"]["random"]["find_similar_home"]["self_top12"]


def test_stated_preferences_keep_the_list_to_the_persona(tmp_path):
    data = make_dataset(tmp_path)
    features = LabelFeatures(data)
    method = evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                                 evaluate.OursSettings(stated_preferences=True, tag_filter=False))
    wardrobes = evaluate.sample_wardrobes(data, n=6, rng=np.random.default_rng(4), min_persona_items=60)
    method.prepare(evaluation_items=np.unique([i for w in wardrobes for i in w.items + w.heldout]),
                   wardrobes=wardrobes)
    scores = evaluate.score_wardrobes(data, method, wardrobes, named=False, rng=np.random.default_rng(2),
                                      timings=[])
    assert scores["persona_precision"] == 1.0
