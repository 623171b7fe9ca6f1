"""The Style this task of the evaluation on a synthetic dataset whose right answers are known."""
import numpy as np

from ml import evaluate
from ml.evaluate.styling import score_style_this
from tests.ml.test_evaluate import LabelFeatures, make_dataset


def _method(data, **settings):
    features = LabelFeatures(data)
    return evaluate.OursMethod(features.image(input_size=128, pooling="avg"), features.text(), data,
                               evaluate.OursSettings(**settings))


def _wardrobes(data):
    return evaluate.sample_wardrobes(data, n=6, rng=np.random.default_rng(1), min_persona_items=60)


def test_style_this_never_brings_the_other_gender_its_own_category_or_an_owned_copy(tmp_path):
    data = make_dataset(tmp_path)
    method, wardrobes = _method(data), _wardrobes(data)
    method.prepare(evaluation_items=np.unique([i for w in wardrobes for i in w.items + w.heldout]),
                   wardrobes=wardrobes)
    scores = score_style_this(data, method, wardrobes)
    assert scores["shop_filled"] == 1.0
    assert scores["other_gender"] == 0.0 and scores["own_category"] == 0.0 and scores["owned_duplicates"] == 0.0


def test_the_closet_part_is_an_outfit_of_the_closets_other_categories(tmp_path):
    data = make_dataset(tmp_path)
    method, wardrobes = _method(data), _wardrobes(data)
    method.prepare(evaluation_items=np.unique([i for w in wardrobes for i in w.items + w.heldout]),
                   wardrobes=wardrobes)
    w = wardrobes[0]
    outfit, shop = method.style_this(w, w.items[0], k=12)
    others = [p.piece.id for p in outfit.picks if p.piece.id != w.items[0]]
    assert others and set(others) <= set(w.items)
    assert len({method.site_category[i] for i in [w.items[0], *others]}) == len(others) + 1
    assert not set(shop.tolist()) & set(w.items)


def test_the_run_reports_style_this_for_ours(tmp_path):
    data = make_dataset(tmp_path, per_cell=20)  # the run samples from the evaluation split, a fifth
    result = evaluate.run(data, LabelFeatures(data), configs=["seed-knn", "ours"], seed=1, n_queries=20,
                          n_wardrobes=3, min_persona_items=40, seed_input_size=128)
    assert "style_this" not in result["configs"]["seed-knn"]
    assert result["configs"]["ours"]["style_this"]["other_gender"] == 0.0
    assert "| ST own category |" in evaluate.markdown_table(result["configs"])
