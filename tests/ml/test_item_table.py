"""ml.ranking.ItemTable: the vectorised item metadata answers exactly as Filters.allows over ItemInfo does."""
import numpy as np
import pytest

from ml.index import ExactIndex
from ml.ranking import Filters, ItemInfo, ItemTable, recommend

CATEGORIES = ("tops", "bottoms", "shoes", "bags")


def _infos(n=200, seed=0):
    rng = np.random.default_rng(seed)
    return {
        int(100 + j): ItemInfo(
            category=CATEGORIES[j % 4],
            price=None if j % 11 == 0 else float(rng.integers(5, 300)),
            sizes=frozenset(rng.choice(["XS", "S", "M", "L", "42"], size=int(rng.integers(0, 3)), replace=False)),
            gender=("Women", "Men", "Unisex", "")[j % 4],
            occasion=("casual", "formal", "sports", "")[(j // 3) % 4],
        )
        for j in range(n)
    }


FILTERS = [
    Filters(),
    Filters(exclude_ids=frozenset({100, 105, 999})),
    Filters(categories=frozenset({"shoes", "bags"})),
    Filters(min_price=20.0, max_price=80.0),
    Filters(max_price=50.0),
    Filters(sizes=frozenset({"M", "42"})),
    Filters(sizes=frozenset({"XXL"})),
    Filters(genders=frozenset({"Women", "Unisex"}), categories=frozenset({"tops"}), exclude_ids=frozenset({104})),
    Filters(occasions=frozenset({"formal", "party"})),
    Filters(sizes=frozenset({"M"}), sized_only=False),
    Filters(occasions=frozenset({"sports"}), genders=frozenset({"Men", "Unisex"})),
]


@pytest.mark.parametrize("filters", FILTERS)
def test_allowed_agrees_with_filters_allows_for_every_item_and_unknown_ids(filters):
    infos = _infos()
    table = ItemTable.from_infos(infos)
    ids = np.array([*infos, 5, 999, 100_000])
    expected = [filters.allows(int(i), infos.get(int(i))) for i in ids]
    assert table.allowed(ids, filters).tolist() == expected


def test_get_returns_the_same_item_info_and_none_for_an_unknown_id():
    infos = _infos(50)
    table = ItemTable.from_infos(infos)
    assert all(table.get(i) == info for i, info in infos.items())
    assert table.get(3) is None and 3 not in table and 120 in table


def test_recommend_gives_the_same_list_with_a_table_as_with_a_mapping():
    infos = _infos(300, seed=1)
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(len(infos), 16)).astype(np.float32)
    index = ExactIndex(list(infos), vectors)
    owned = rng.normal(size=(6, 16)).astype(np.float32)
    kw = dict(k=10, filters=Filters(categories=frozenset({"tops", "shoes"}), max_price=200.0), sigma=0.3)
    with_map = recommend(index, [1, 2, 3, 4, 5, 6], owned, item_info=infos, rng=np.random.default_rng(7), **kw)
    with_table = recommend(index, [1, 2, 3, 4, 5, 6], owned, item_info=ItemTable.from_infos(infos), rng=np.random.default_rng(7), **kw)
    assert with_table == with_map and len(with_map) == 10


def test_with_an_annoy_index_filtered_candidates_are_dropped_before_the_re_rank_and_every_result_passes(tmp_path):
    from ml.index import AnnoyVectorIndex

    infos = _infos(400, seed=3)
    rng = np.random.default_rng(4)
    index = AnnoyVectorIndex.build(tmp_path / "idx", list(infos), rng.normal(size=(400, 16)).astype(np.float32),
                                   model_version="t", n_trees=5, pca_dims=None, vector_dtype="float32")
    table = ItemTable.from_infos(infos)
    filters = Filters(categories=frozenset({"shoes"}), genders=frozenset({"Women", "Unisex", ""}), exclude_ids=frozenset({102}))
    recs = recommend(index, [-1, -2], rng.normal(size=(2, 16)).astype(np.float32), k=8, item_info=table,
                     filters=filters, rng=np.random.default_rng(0))
    assert len(recs) == 8
    assert all(filters.allows(r.item_id, infos[r.item_id]) for r in recs)


def test_an_occasion_filter_keeps_only_items_of_those_occasions():
    infos = _infos()
    table = ItemTable.from_infos(infos)
    kept = np.array(list(infos))[table.allowed(np.array(list(infos)), Filters(occasions=frozenset({"formal"})))]
    assert len(kept) and all(infos[int(i)].occasion == "formal" for i in kept)
    assert table.get(int(kept[0])).occasion == "formal"


def test_a_stated_size_keeps_items_that_have_no_sizes():
    infos = {1: ItemInfo(category="bags"), 2: ItemInfo(category="tops", sizes=frozenset({"S"})),
             3: ItemInfo(category="tops", sizes=frozenset({"M"}))}
    table = ItemTable.from_infos(infos)
    assert table.allowed(np.array([1, 2, 3]), Filters(sizes=frozenset({"M"}), sized_only=False)).tolist() == [
        True, False, True]
    assert table.allowed(np.array([1, 2, 3]), Filters(sizes=frozenset({"M"}))).tolist() == [False, False, True]
