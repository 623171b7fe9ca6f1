"""ml.ranking: every part of the closet gets its share of the list (category groups, slot quotas)."""
from collections import Counter

import numpy as np
import pytest

from ml.index import ExactIndex
from ml.ranking import build_profile, mmr, mmr_by_quota, recommend, slot_quotas

DIM = 24


def _unit(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


@pytest.fixture
def shop():
    """Three categories, each a style blob of its own; tops sit closest to the closet's overall mean."""
    rng = np.random.default_rng(11)
    centres = {"tops": rng.normal(size=DIM), "shoes": rng.normal(size=DIM), "bags": rng.normal(size=DIM)}
    vectors, categories = [], []
    for name, centre in centres.items():
        vectors.append(_unit(centre * 2 + rng.normal(0, 0.6, size=(120, DIM))))
        categories += [name] * 120
    catalogue = np.concatenate(vectors)
    ids = np.arange(1, len(catalogue) + 1)
    return {"index": ExactIndex(ids, catalogue), "categories": dict(zip(ids.tolist(), categories)),
            "centres": centres, "rng": rng}


def _closet(shop, counts: dict[str, int]):
    rng = shop["rng"]
    vectors, groups = [], []
    for name, n in counts.items():
        vectors.append(_unit(shop["centres"][name] * 2 + rng.normal(0, 0.6, size=(n, DIM))))
        groups += [name] * n
    return np.concatenate(vectors), groups


def test_quotas_follow_the_mix_with_a_floor_of_one():
    assert slot_quotas(np.array([0.7, 0.2, 0.1]), 20).tolist() == [14, 4, 2]
    assert slot_quotas(np.array([0.9, 0.05, 0.05]), 20).tolist() == [18, 1, 1]  # the floor: at least one each
    assert slot_quotas(np.array([0.97, 0.01, 0.01, 0.01]), 3).tolist() == [1, 1, 1, 0]  # fewer slots than parts
    assert slot_quotas(np.array([1.0]), 20).tolist() == [20]
    assert sum(slot_quotas(np.array([0.3, 0.3, 0.4]), 17)) == 17


def test_a_profile_gets_a_centroid_per_category_group():
    vectors = _unit(np.random.default_rng(0).normal(size=(6, DIM)))
    profile = build_profile(vectors, groups=["tops", "tops", "tops", "shoes", "shoes", "bags"])
    assert profile.groups == ("tops", "shoes", "bags")
    assert profile.weights.tolist() == pytest.approx([0.5, 1 / 3, 1 / 6])
    assert np.allclose(profile.centroids[2], vectors[5], atol=1e-5)  # a group of one is that item


def test_one_group_keeps_the_style_clustering():
    vectors = _unit(np.random.default_rng(0).normal(size=(6, DIM)))
    assert build_profile(vectors, groups=["tops"] * 6).groups == ()


def test_group_labels_must_match_the_closet():
    with pytest.raises(ValueError, match="3 group labels for 2 owned vectors"):
        build_profile(_unit(np.ones((2, DIM))), groups=["a", "b", "c"])


def test_one_quota_is_plain_mmr():
    rng = np.random.default_rng(4)
    vectors = _unit(rng.normal(size=(40, DIM)))
    relevance = rng.uniform(size=40)
    plain = mmr(relevance, vectors, 12, mmr_lambda=0.7)
    assert mmr_by_quota(relevance, vectors, np.zeros(40, dtype=np.int64), np.array([12]), mmr_lambda=0.7) == plain


def test_a_cluster_without_candidates_leaves_its_slots_to_the_others():
    rng = np.random.default_rng(4)
    vectors = _unit(rng.normal(size=(30, DIM)))
    picked = mmr_by_quota(rng.uniform(size=30), vectors, np.zeros(30, dtype=np.int64), np.array([5, 5]),
                          mmr_lambda=0.7)
    assert len(picked) == 10


def test_a_mixed_closet_gets_every_category_not_only_the_largest(shop):
    owned, groups = _closet(shop, {"tops": 6, "shoes": 2, "bags": 2})
    profile = build_profile(owned, groups=groups)
    recs = recommend(shop["index"], [-i for i in range(1, 11)], owned, k=20, profile=profile, exploration=0.0,
                     rng=np.random.default_rng(0))
    shown = Counter(shop["categories"][r.item_id] for r in recs)
    assert set(shown) == {"tops", "shoes", "bags"}
    assert shown["tops"] <= 13 and shown["shoes"] >= 3 and shown["bags"] >= 3  # 12, 4 and 4 slots


def test_each_centroid_fetches_its_share_of_the_candidates_not_a_whole_list(shop):
    owned, groups = _closet(shop, {"tops": 6, "shoes": 2, "bags": 2})
    asked = []
    index = shop["index"]
    batch = index.query_batch

    def spy(vectors, k, **kw):
        asked.extend([k] * len(np.atleast_2d(vectors)))
        return batch(vectors, k, **kw)

    index.query_batch = spy
    recommend(index, [-i for i in range(1, 11)], owned, k=20, profile=build_profile(owned, groups=groups),
              rng=np.random.default_rng(0), overfetch=10)
    assert len(asked) == 3 and sum(asked) <= 20 * 10 + 3 * 20  # about one list's worth (200), not three (600)
    assert asked[0] > asked[1]  # the largest part asks for the most


def test_complete_your_closet_offers_what_pairs_with_the_closet_but_it_lacks():
    from ml.ranking import lacking_categories

    assert lacking_categories(["shoes", "bags"]) == ("accessories", "bottoms", "dresses", "tops")
    assert lacking_categories(["beauty"]) == ()  # nothing pairs with beauty


def test_complete_your_closet_never_suggests_beauty_nightwear_or_other():
    from ml.ranking import NOT_SUGGESTED_TO_COMPLETE, lacking_categories
    from wardrobe import taxonomy

    assert NOT_SUGGESTED_TO_COMPLETE == {taxonomy.BEAUTY, taxonomy.NIGHTWEAR, taxonomy.OTHER}
    assert not set(lacking_categories(taxonomy.CATEGORIES - NOT_SUGGESTED_TO_COMPLETE - {"tops"})) & \
        NOT_SUGGESTED_TO_COMPLETE


def test_the_complete_group_keeps_twelve_cards_for_the_closet_itself():
    from ml.ranking import complete_slots

    assert complete_slots(24) == 4 and complete_slots(20) == 4
    assert complete_slots(14) == 2 and complete_slots(12) == 0
    assert complete_slots(24, reserved=10) == 2  # the mood board's part is not the closet's


def _info(shop):
    from ml.ranking import ItemInfo, ItemTable

    return ItemTable.from_infos({i: ItemInfo(category=c, gender="Women" if i % 2 else "Men")
                                   for i, c in shop["categories"].items()})


def test_the_complete_pool_is_the_lacking_categories_nearest_the_closet_allowed_by_the_filters(shop):
    from ml.ranking import Filters, complete_pool

    owned, _ = _closet(shop, {"tops": 6})
    index, info = shop["index"], _info(shop)
    pool = complete_pool(index, [-i for i in range(1, 7)], owned, lacking=("shoes",), item_info=info, size=10,
                         filters=Filters(genders=frozenset({"Women"}), exclude_ids=frozenset({1})))
    shoes_for_women = [i for i, c in shop["categories"].items() if c == "shoes" and i % 2]
    mean = _unit(owned.mean(axis=0))
    nearest = sorted(shoes_for_women, key=lambda i: -float(index.vector(i) @ mean))[:10]
    assert pool.tolist() == nearest  # its exclude_ids are not the pool's: each draw applies them


def test_complete_your_closet_draws_only_from_its_pool_and_leaves_out_the_excluded(shop):
    from ml.ranking import Filters, complete_closet, complete_pool

    owned, _ = _closet(shop, {"tops": 6})
    index, info, owned_ids = shop["index"], _info(shop), [-i for i in range(1, 7)]
    pool = complete_pool(index, owned_ids, owned, lacking=("shoes", "bags"), item_info=info, size=12)
    excluded = frozenset(pool[:3].tolist())
    for seed in range(5):
        drawn = complete_closet(index, owned_ids, owned, lacking=("shoes", "bags"), k=4, item_info=info, pool=pool,
                                filters=Filters(exclude_ids=excluded), rng=np.random.default_rng(seed))
        ids = {r.item_id for r in drawn}
        assert len(ids) == 4 and ids <= set(pool.tolist()) - excluded
        assert {r.because_owned_id for r in drawn} <= set(owned_ids)


def test_complete_your_closet_computes_its_pool_when_given_none(shop):
    from ml.ranking import complete_closet

    owned, _ = _closet(shop, {"tops": 6})
    drawn = complete_closet(shop["index"], [-i for i in range(1, 7)], owned, lacking=("bags",), k=4,
                            item_info=_info(shop), rng=np.random.default_rng(0))
    assert len(drawn) == 4 and {shop["categories"][r.item_id] for r in drawn} == {"bags"}
