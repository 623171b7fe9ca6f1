"""ml.ranking: profiles, noise, filters, duplicates, MMR, exploration, explanations, similar and pairing queries."""
import numpy as np
import pytest

from ml.index import ExactIndex
from ml.ranking import (
    COMPLEMENTS,
    Filters,
    ItemInfo,
    build_profile,
    kmeans,
    mmr,
    pairs_with,
    recommend,
    silhouette,
    similar_to,
)

DIM = 32
CATEGORIES = ("tops", "bottoms", "dresses", "outerwear", "shoes", "bags", "accessories")
GENDERS = ("women", "men", "unisex")


def _unit(x):
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _blobs(rng, centres, per, spread):
    return _unit(np.concatenate([c + spread * rng.normal(size=(per, DIM)) for c in centres]))


@pytest.fixture
def world():
    """A catalogue of four well-separated styles and a closet that owns two of them."""
    rng = np.random.default_rng(3)
    styles = _unit(rng.normal(size=(4, DIM))) * 3
    catalogue = _blobs(rng, styles, 150, 0.35)
    ids = np.arange(1000, 1000 + len(catalogue))
    info = {
        int(i): ItemInfo(
            category=CATEGORIES[j % len(CATEGORIES)],
            price=float(10 + (j * 37) % 200),
            sizes=frozenset({("S", "M", "L")[j % 3]}),
            gender=GENDERS[j % 3],
        )
        for j, i in enumerate(ids)
    }
    owned = _blobs(rng, styles[:2], 6, 0.35)
    owned_ids = list(range(1, len(owned) + 1))
    return {"index": ExactIndex(ids, catalogue), "info": info, "owned": owned, "owned_ids": owned_ids,
            "styles": _unit(styles), "ids": ids, "catalogue": catalogue}


def _rec(world, **kw):
    kw.setdefault("item_info", world["info"])
    kw.setdefault("rng", np.random.default_rng(0))
    return recommend(world["index"], world["owned_ids"], world["owned"], **kw)


def _item_ids(recs):
    return [r.item_id for r in recs]


def test_a_fixed_seed_reproduces_the_list(world):
    first = _rec(world, sigma=0.5, rng=np.random.default_rng(42))
    again = _rec(world, sigma=0.5, rng=np.random.default_rng(42))
    assert first == again and len(first) == 20


def test_noise_changes_the_list_between_seeds(world):
    lists = {tuple(_item_ids(_rec(world, sigma=0.5, rng=np.random.default_rng(s), exploration=0))) for s in range(5)}
    assert len(lists) > 1


def test_without_noise_or_exploration_the_list_does_not_depend_on_the_seed(world):
    a = _rec(world, sigma=0.0, exploration=0.0, rng=np.random.default_rng(1))
    b = _rec(world, sigma=0.0, exploration=0.0, rng=np.random.default_rng(2))
    assert a == b


def test_every_result_satisfies_the_filters(world):
    filters = Filters(categories=frozenset({"tops", "shoes"}), min_price=50, max_price=150,
                      sizes=frozenset({"M"}), genders=frozenset({"men", "unisex"}),
                      exclude_ids=frozenset(world["ids"][:200].tolist()))
    recs = _rec(world, filters=filters, k=10)
    assert len(recs) == 10  # strict filters widen the search instead of returning a short list
    for r in recs:
        item = world["info"][r.item_id]
        assert item.category in {"tops", "shoes"} and 50 <= item.price <= 150
        assert "M" in item.sizes and item.gender in {"men", "unisex"} and r.item_id not in filters.exclude_ids


def test_filters_leave_out_items_without_the_information_they_need(world):
    assert not Filters(max_price=100).allows(5, ItemInfo(category="tops"))
    assert not Filters(categories=frozenset({"tops"})).allows(5, None)
    assert Filters().allows(5, None)


def test_an_inverted_price_range_is_refused():
    with pytest.raises(ValueError, match="min_price"):
        Filters(min_price=100, max_price=10)


def test_every_recommendation_names_an_owned_item_it_is_closest_to(world):
    recs = _rec(world)
    owned = dict(zip(world["owned_ids"], world["owned"]))
    for r in recs:
        v = world["index"].vector(r.item_id)
        sims = {oid: float(v @ ov) for oid, ov in owned.items()}
        assert r.because_owned_id == max(sims, key=sims.get)


def test_recommendations_come_from_the_styles_the_closet_owns(world):
    recs = _rec(world, exploration=0.0)
    styles = world["styles"]
    for r in recs:
        assert int(np.argmax(styles @ world["index"].vector(r.item_id))) in (0, 1)
    assert {r.cluster for r in recs} == {0, 1}


def test_near_duplicates_of_owned_items_are_dropped(world):
    rng = np.random.default_rng(5)
    owned = world["owned"]
    twin = _unit(owned[0] + 0.02 * rng.normal(size=DIM))
    ids = np.append(world["ids"], 99_999)
    index = ExactIndex(ids, np.vstack([world["catalogue"], twin]))
    assert float(twin @ owned[0]) > 0.95
    everything = {"k": 300, "overfetch": 2, "sigma": 0, "exploration": 0, "mmr_lambda": 1.0}
    recs = recommend(index, world["owned_ids"], owned, **everything)
    assert 99_999 not in _item_ids(recs)
    kept = recommend(index, world["owned_ids"], owned, duplicate_threshold=1.01, **everything)
    assert 99_999 in _item_ids(kept)


def test_owned_ids_present_in_the_index_are_never_recommended(world):
    owned_ids = world["ids"][:6].tolist()
    recs = recommend(world["index"], owned_ids, world["catalogue"][:6], k=20, rng=np.random.default_rng(0))
    assert not set(owned_ids) & set(_item_ids(recs))


def test_mmr_picks_a_more_diverse_set_than_plain_ranking():
    rng = np.random.default_rng(0)
    near = _unit(np.tile(rng.normal(size=DIM), (6, 1)) + 0.01 * rng.normal(size=(6, DIM)))  # six near-copies
    spread = _unit(rng.normal(size=(6, DIM)))
    vectors = np.vstack([near, spread])
    relevance = np.array([0.9, 0.89, 0.88, 0.87, 0.86, 0.85, 0.8, 0.79, 0.78, 0.77, 0.76, 0.75])
    plain = list(np.argsort(-relevance)[:5])
    diverse = mmr(relevance, vectors, 5, mmr_lambda=0.5)

    def mean_pairwise(sel):
        s = vectors[sel] @ vectors[sel].T
        return (s.sum() - len(sel)) / (len(sel) * (len(sel) - 1))

    assert mean_pairwise(diverse) < mean_pairwise(plain) - 0.3
    assert diverse[0] == 0  # the most relevant item still leads


def test_lower_mmr_lambda_spreads_the_recommendations(world):
    def spread(recs):
        v = np.stack([world["index"].vector(r.item_id) for r in recs])
        return float((v @ v.T).mean())

    focused = _rec(world, mmr_lambda=1.0, exploration=0, sigma=0)
    diverse = _rec(world, mmr_lambda=0.3, exploration=0, sigma=0)
    assert spread(diverse) < spread(focused)


def test_exploration_fills_its_share_of_slots_from_further_down(world):
    recs = _rec(world, k=20, exploration=0.2, sigma=0)
    explored = [r for r in recs if r.explore]
    assert len(explored) == 4 and len(recs) == 20
    plain_top = set(_item_ids(_rec(world, k=20, exploration=0, sigma=0, mmr_lambda=1.0)))
    assert not {r.item_id for r in explored} & plain_top
    assert not recs[0].explore


def test_kmeans_profile_finds_three_well_separated_styles():
    rng = np.random.default_rng(1)
    centres = _unit(rng.normal(size=(3, DIM))) * 4
    owned = _blobs(rng, centres, 6, 0.3)
    profile = build_profile(owned)
    assert profile.k == 3
    assert sorted(np.bincount(profile.labels).tolist()) == [6, 6, 6]
    assert np.allclose(profile.weights.sum(), 1.0)


def test_a_single_style_closet_gets_a_single_mean_profile():
    rng = np.random.default_rng(2)
    owned = _blobs(rng, [_unit(rng.normal(size=DIM)) * 4], 15, 0.3)
    profile = build_profile(owned)
    assert profile.k == 1
    assert np.allclose(profile.centroids[0], _unit(owned.mean(axis=0)), atol=1e-5)


def test_a_tiny_closet_is_not_clustered():
    rng = np.random.default_rng(2)
    assert build_profile(_unit(rng.normal(size=(5, DIM)))).k == 1


def test_an_empty_profile_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        build_profile(np.zeros((0, DIM)))


def test_kmeans_is_reproducible_with_a_seed():
    x = _unit(np.random.default_rng(0).normal(size=(40, DIM)))
    a = kmeans(x, 3, rng=np.random.default_rng(9))
    b = kmeans(x, 3, rng=np.random.default_rng(9))
    assert np.array_equal(a[1], b[1]) and np.allclose(a[0], b[0])


def test_silhouette_is_high_for_separated_blobs_and_low_for_noise():
    rng = np.random.default_rng(4)
    centres = _unit(rng.normal(size=(2, DIM))) * 4
    blobs = _blobs(rng, centres, 10, 0.2)
    labels = np.repeat([0, 1], 10)
    assert silhouette(blobs, labels) > 0.5
    noise = _unit(rng.normal(size=(20, DIM)))
    assert silhouette(noise, labels) < 0.1


def test_liked_vectors_pull_results_toward_them(world):
    liked_style = world["styles"][2]
    liked = world["catalogue"][300:303]  # items of the third style

    def pull(recs):
        return float(np.mean([world["index"].vector(r.item_id) @ liked_style for r in recs]))

    plain = _rec(world, sigma=0, exploration=0)
    with_likes = _rec(world, sigma=0, exploration=0, liked_vectors=liked, like_weight=1.0)
    assert pull(with_likes) > pull(plain) + 0.05


def test_disliked_vectors_push_results_away(world):
    disliked = world["catalogue"][0:3]  # the first style, which the closet owns
    style = world["styles"][0]

    def pull(recs):
        return float(np.mean([world["index"].vector(r.item_id) @ style for r in recs]))

    plain = _rec(world, sigma=0, exploration=0)
    pushed = _rec(world, sigma=0, exploration=0, disliked_vectors=disliked, dislike_weight=1.0)
    assert pull(pushed) < pull(plain) - 0.05


def test_liked_items_alone_make_a_profile_for_an_empty_closet(world):
    recs = recommend(world["index"], [], np.zeros((0, DIM)), liked_vectors=world["catalogue"][300:303],
                     rng=np.random.default_rng(0), exploration=0)
    assert recs and all(r.because_owned_id is None for r in recs)
    assert all(int(np.argmax(world["styles"] @ world["index"].vector(r.item_id))) == 2 for r in recs)


def test_similar_to_leaves_out_the_item_itself_and_honours_filters(world):
    source = int(world["ids"][10])
    recs = similar_to(world["index"], world["index"].vector(source), source_id=source, k=8,
                      item_info=world["info"], filters=Filters(categories=frozenset({"shoes"})))
    assert len(recs) == 8 and source not in _item_ids(recs)
    assert all(world["info"][r.item_id].category == "shoes" and r.because_owned_id == source for r in recs)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


@pytest.mark.parametrize("category", ["tops", "bottoms", "shoes", "accessories"])
def test_pairs_with_never_returns_the_items_own_category(world, category):
    source = next(i for i, v in world["info"].items() if v.category == category)
    recs = pairs_with(world["index"], world["index"].vector(source), category=category, source_id=source,
                      item_info=world["info"], k=10)
    got = {world["info"][r.item_id].category for r in recs}
    assert len(recs) == 10 and category not in got and got <= set(COMPLEMENTS[category])


def test_pairs_with_spreads_over_several_complementary_categories(world):
    source = next(i for i, v in world["info"].items() if v.category == "tops")
    recs = pairs_with(world["index"], world["index"].vector(source), category="tops", item_info=world["info"], k=10)
    assert len({world["info"][r.item_id].category for r in recs}) >= 4


def test_pairs_with_widens_its_search_when_complements_are_rare(world):
    info = {i: ItemInfo(category="tops") for i in world["info"]}
    rare = int(world["ids"][-1])  # in another style than the source, far down the neighbour list
    info[rare] = ItemInfo(category="shoes")
    source = int(world["ids"][0])
    recs = pairs_with(world["index"], world["index"].vector(source), category="tops", item_info=info, k=5)
    assert _item_ids(recs) == [rare]


def test_no_owned_item_is_credited_beyond_its_cap():
    from ml.ranking.queries import credit_owned
    similarity = np.tile(np.array([[0.9, 0.5, 0.1]], dtype=np.float32), (8, 1))
    credited = credit_owned(similarity, cap=2)
    assert np.bincount(credited, minlength=3).tolist() == [4, 2, 2]  # every item gets its cap before the nearest takes the rest


def test_recommend_credits_one_owned_item_on_at_most_a_quarter_of_cards():
    from collections import Counter
    rng = np.random.default_rng(3)
    items = rng.normal(size=(400, 16)).astype(np.float32)
    index = ExactIndex(list(range(1, 401)), items)
    owned = rng.normal(size=(6, 16)).astype(np.float32)
    owned[0] = items[:200].mean(axis=0) * 5  # near almost everything
    recs = recommend(index, [-1, -2, -3, -4, -5, -6], owned, k=20, rng=np.random.default_rng(0))
    assert max(Counter(r.because_owned_id for r in recs).values()) <= 5


def _photo_world():
    """Four shop items in a 4-d space (two image dims, two text dims): item 1 is the photo's own product (the same
    image, other words than the photo borrows), items 2-4 share the borrowed words and look a little less alike."""
    def unit(v):
        v = np.asarray(v, dtype=np.float32)
        return v / np.linalg.norm(v)

    vectors = {1: unit([1.0, 0.0, 0.0, 1.0]), 2: unit([0.8, 0.6, 1.0, 0.0]), 3: unit([0.7, 0.7, 1.0, 0.0]),
               4: unit([0.6, 0.8, 1.0, 0.0])}
    index = ExactIndex(np.array(list(vectors)), np.stack(list(vectors.values())))
    photo = unit([1.0, 0.0, 0.0, 0.0])  # the image block alone
    with_words = unit([1.0, 0.0, 1.0, 0.0])  # the words its neighbours lend it
    return index, photo, with_words


def test_a_photo_finds_its_own_product_first_by_the_image_alone():
    from ml.ranking import similar_to_photo

    index, photo, with_words = _photo_world()
    assert [r.item_id for r in similar_to(index, with_words, k=4)][0] != 1  # the borrowed words rank it lower
    found = [r.item_id for r in similar_to_photo(index, with_words, photo, k=4, image_lead=1)]
    assert found[0] == 1 and sorted(found) == [1, 2, 3, 4]  # each item once


def test_without_an_image_lead_a_photo_is_ranked_by_its_borrowed_words():
    from ml.ranking import similar_to_photo

    index, photo, with_words = _photo_world()
    assert [r.item_id for r in similar_to_photo(index, with_words, photo, k=4, image_lead=0)] == \
        [r.item_id for r in similar_to(index, with_words, k=4)]
