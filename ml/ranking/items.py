"""What the filters know about an item, and the filters themselves: category, price range, sizes, gender, occasion
(the inventory's usage: casual, formal, sports, ...), ids.

A set constraint admits an item only when the item has the information it needs: no price under a price range, no
sizes under a size filter, an unknown item under any constraint: it is left out rather than guessed in. ``None``
means "any". ``ItemTable`` holds the same facts as numpy columns sorted by id (strings as integer codes, sizes as a
boolean matrix over the size names), so a whole candidate list is filtered with one ``searchsorted`` and a few
gathers instead of one Python call per item; it answers exactly as ``Filters.allows`` over ``ItemInfo`` does.
``COMPLEMENTS`` says which categories go with which, for "pairs with this" and for "Complete your closet"
(``ml.ranking.complete``).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# Plain category strings, the same as wardrobe/taxonomy.py.
COMPLEMENTS: dict[str, tuple[str, ...]] = {
    "tops": ("bottoms", "outerwear", "shoes", "bags", "accessories", "jewellery"),
    "bottoms": ("tops", "outerwear", "shoes", "bags", "accessories"),
    "dresses": ("outerwear", "shoes", "bags", "accessories", "jewellery"),
    "outerwear": ("tops", "bottoms", "dresses", "shoes", "accessories"),
    "shoes": ("tops", "bottoms", "dresses", "bags", "accessories"),
    "bags": ("tops", "bottoms", "dresses", "shoes", "accessories"),
    "accessories": ("tops", "bottoms", "dresses", "outerwear", "shoes", "bags"),
    "jewellery": ("tops", "dresses", "bags", "accessories"),
    "nightwear": (),
    "beauty": (),
}

@dataclass(frozen=True)
class ItemInfo:
    """What filters and pairings need to know about a candidate item."""

    category: str = ""
    price: float | None = None
    sizes: frozenset[str] = frozenset()
    gender: str = ""
    occasion: str = ""


ItemInfoSource = Mapping[int, ItemInfo] | Callable[[int], ItemInfo | None] | None


@dataclass(frozen=True)
class Filters:
    """Constraints every returned item satisfies. ``None`` means "any". An item without the information a set
    constraint needs (no price under a price range, unknown item) is left out rather than guessed in."""

    categories: frozenset[str] | None = None
    min_price: float | None = None
    max_price: float | None = None
    sizes: frozenset[str] | None = None
    genders: frozenset[str] | None = None
    exclude_ids: frozenset[int] = frozenset()
    occasions: frozenset[str] | None = None
    sized_only: bool = True  # False: a size filter admits items that list no sizes (bags, jewellery): a stated size

    def __post_init__(self) -> None:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError(f"min_price {self.min_price} is above max_price {self.max_price}")

    @property
    def needs_info(self) -> bool:
        return any(
            v is not None
            for v in (self.categories, self.min_price, self.max_price, self.sizes, self.genders, self.occasions)
        )

    def allows(self, item_id: int, info: ItemInfo | None) -> bool:
        if item_id in self.exclude_ids:
            return False
        if not self.needs_info:
            return True
        if info is None:
            return False
        if self.categories is not None and info.category not in self.categories:
            return False
        if self.min_price is not None or self.max_price is not None:
            if info.price is None:
                return False
            if self.min_price is not None and info.price < self.min_price:
                return False
            if self.max_price is not None and info.price > self.max_price:
                return False
        if self.sizes is not None and not (info.sizes & self.sizes) and (self.sized_only or info.sizes):
            return False
        if self.occasions is not None and info.occasion not in self.occasions:
            return False
        return self.genders is None or info.gender in self.genders


class ItemTable:
    """Item metadata as numpy columns sorted by id: the same answers as a mapping of ItemInfo, but a whole candidate
    list is filtered with a few array operations (:meth:`allowed`) instead of one Python call per item, which is
    what a large inventory needs. It is also callable and has ``get``, so it serves wherever an ItemInfoSource does.
    """

    def __init__(
        self,
        ids: Sequence[int] | np.ndarray,
        *,
        categories: Sequence[str],
        prices: Sequence[float | None],
        sizes: Sequence[Collection[str]],
        genders: Sequence[str],
        occasions: Sequence[str] | None = None,
    ) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        if len(self.ids) > 1 and np.any(self.ids[1:] == self.ids[:-1]):
            raise ValueError("item ids must be unique")
        self._categories, self._category = _codes(categories, order)
        self._genders, self._gender = _codes(genders, order)
        self._occasions, self._occasion = _codes(occasions if occasions is not None else [""] * len(ids), order)
        self._price = np.array([np.nan if p is None else float(p) for p in prices], dtype=np.float64)[order]
        size_sets = [frozenset(sizes[i]) for i in order]
        self._sizes = sorted(set().union(*size_sets)) if size_sets else []
        column = {name: j for j, name in enumerate(self._sizes)}
        self._size = np.zeros((len(self.ids), len(self._sizes)), dtype=bool)
        for row, held in enumerate(size_sets):
            self._size[row, [column[name] for name in held]] = True
        self._size_sets = size_sets

    @classmethod
    def from_infos(cls, infos: Mapping[int, ItemInfo]) -> ItemTable:
        keys = list(infos)
        values = [infos[i] for i in keys]
        return cls(
            keys, categories=[v.category for v in values], prices=[v.price for v in values],
            sizes=[v.sizes for v in values], genders=[v.gender for v in values],
            occasions=[v.occasion for v in values],
        )

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, (int, np.integer)) and self._row(int(item_id)) is not None

    def _row(self, item_id: int) -> int | None:
        at = int(np.searchsorted(self.ids, item_id))
        return at if at < len(self.ids) and self.ids[at] == item_id else None

    def rows(self, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row of each id, -1 where the table does not know it."""
        wanted = np.asarray(item_ids, dtype=np.int64).reshape(-1)
        if not len(self.ids):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids, wanted), len(self.ids) - 1)
        return np.where(self.ids[at] == wanted, at, -1)

    def get(self, item_id: int, default: ItemInfo | None = None) -> ItemInfo | None:
        row = self._row(int(item_id))
        if row is None:
            return default
        price = self._price[row]
        return ItemInfo(
            category=self._categories[self._category[row]],
            price=None if np.isnan(price) else float(price),
            sizes=self._size_sets[row],
            gender=self._genders[self._gender[row]],
            occasion=self._occasions[self._occasion[row]],
        )

    __call__ = get

    def categories_of(self, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Category name of each id ("" where unknown), as an object array."""
        rows = self.rows(item_ids)
        names = np.asarray([*self._categories, ""], dtype=object)
        return names[np.where(rows >= 0, self._category[np.maximum(rows, 0)], len(self._categories))]

    def allowed(self, item_ids: Sequence[int] | np.ndarray, filters: Filters) -> np.ndarray:
        """``filters.allows(i, info(i))`` for every id at once, as a boolean array."""
        ids = np.asarray(item_ids, dtype=np.int64).reshape(-1)
        keep = np.ones(len(ids), dtype=bool)
        if filters.exclude_ids:
            keep &= ~np.isin(ids, np.fromiter(filters.exclude_ids, dtype=np.int64, count=len(filters.exclude_ids)))
        if not filters.needs_info:
            return keep
        rows = self.rows(ids)
        keep &= rows >= 0
        rows = np.maximum(rows, 0)
        if filters.categories is not None:
            keep &= _wanted(self._categories, filters.categories)[self._category[rows]]
        if filters.min_price is not None or filters.max_price is not None:
            price = self._price[rows]
            keep &= ~np.isnan(price)
            if filters.min_price is not None:
                keep &= price >= filters.min_price
            if filters.max_price is not None:
                keep &= price <= filters.max_price
        if filters.sizes is not None:
            columns = [j for j, name in enumerate(self._sizes) if name in filters.sizes]
            held = self._size[rows]
            fits = held[:, columns].any(axis=1) if columns else np.zeros(len(rows), dtype=bool)
            keep &= fits if filters.sized_only else fits | ~held.any(axis=1)
        if filters.genders is not None:
            keep &= _wanted(self._genders, filters.genders)[self._gender[rows]]
        if filters.occasions is not None:
            keep &= _wanted(self._occasions, filters.occasions)[self._occasion[rows]]
        return keep


def _codes(values: Sequence[str], order: np.ndarray) -> tuple[list[str], np.ndarray]:
    names = sorted(set(values))
    code = {name: j for j, name in enumerate(names)}
    return names, np.array([code[values[i]] for i in order], dtype=np.int32)


def _wanted(names: list[str], wanted: Collection[str]) -> np.ndarray:
    """A lookup table over codes: ``_wanted(names, wanted)[code]`` says whether that code's name is wanted (one
    gather per candidate list; np.isin sorts)."""
    return np.fromiter((name in wanted for name in names), dtype=bool, count=len(names))


def _info_getter(item_info: ItemInfoSource) -> Callable[[int], ItemInfo | None]:
    if item_info is None:
        return lambda _id: None
    if callable(item_info):
        return item_info
    return item_info.get


def _allowed(ids: np.ndarray, filters: Filters, item_info: ItemInfoSource) -> np.ndarray:
    if isinstance(item_info, ItemTable):
        return item_info.allowed(ids, filters)
    info = _info_getter(item_info)
    return np.fromiter((filters.allows(int(i), info(int(i))) for i in ids), dtype=bool, count=len(ids))
