"""The per-process item table and card rows, kept beside the mapped index.

Item metadata for filters and pairings (category, price, sizes, gender, occasion) is read once per process and mapped index,
in one query, and kept beside the index: per-candidate queries would cost a round trip per candidate. The card rows
(the columns a shop card shows) ride along while the inventory stamp holds.
"""
from __future__ import annotations

import operator
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ml.ranking import ItemTable, vectors_of
from ml.vectors import from_blob
from recommender.models import InventoryItem
from recommender.selectors.index import ActiveIndex, inventory_stamp
from wardrobe import taxonomy

# The item columns a card shows (page and API): reading only these keeps a page's rows small (no vector, no import
# fields). A field the API serializes but this list lacks would cost one query per card.
CARD_FIELDS = (
    "id", "external_id", "name", "brand", "category", "gender", "price", "currency", "sizes", "product_url", "image",
    "thumbnail", "is_active", "updated_at", "usage",
)
# CARD_FIELDS in the model's field order, the order Model.from_db takes values in ("id" first).
_CARD_COLUMNS = tuple(f.attname for f in InventoryItem._meta.concrete_fields if f.attname in CARD_FIELDS)
_TABLE_COLUMNS = ("id", "category", "price", "sizes", "gender", "usage")  # what the ItemTable holds (filters)
_INFO_TTL = 300.0  # seconds item metadata is reused for an index that has not changed


@dataclass
class ItemState:
    index: object
    loaded_at: float
    info: ItemTable
    stamp: object = None
    # Card rows (CARD_FIELDS values of active items) read while ``stamp`` holds, shared read-only by this process's
    # requests. An inventory of at most CARD_ROW_CACHE_SIZE items is read whole with the metadata (``complete``):
    # a list of noisy, exploring queries keeps meeting items no earlier page showed, and reading those cost a query
    # on most pages. A larger one is read as pages need it.
    card_rows: dict[int, tuple | InventoryItem] = field(default_factory=dict)
    complete: bool = False


_info_lock = threading.Lock()
_info_cache: ItemState | None = None
CARD_ROW_CACHE_SIZE = 50_000  # card rows kept per process; a larger inventory reads them as pages need


_UNREAD = object()  # no inventory stamp given: read it here


def item_state(index: ActiveIndex, stamp: object = _UNREAD) -> ItemState:
    """Metadata of every active item as numpy columns (an ItemTable: filters run over a whole candidate list at
    once), read in one query per mapped index and inventory change (the inventory stamp tells: the caller's, read
    with the index pointer, or one indexed max(updated_at) here), so a retired or repriced item is seen on the next
    request."""
    global _info_cache
    if stamp is _UNREAD:
        stamp = inventory_stamp()
    cached = _info_cache
    if cached is not None and cached.index is index and cached.stamp == stamp and time.monotonic() - cached.loaded_at < _INFO_TTL:
        return cached
    with _info_lock:
        cached = _info_cache
        if cached is not None and cached.index is index and cached.stamp == stamp and time.monotonic() - cached.loaded_at < _INFO_TTL:
            return cached
        active = InventoryItem.objects.filter(is_active=True)
        complete = active.count() <= CARD_ROW_CACHE_SIZE
        columns = _CARD_COLUMNS if complete else _TABLE_COLUMNS
        table_values = operator.itemgetter(*(columns.index(c) for c in _TABLE_COLUMNS))
        ids, categories, prices, sizes, genders, occasions = [], [], [], [], [], []
        card_rows = {}
        for row in active.values_list(*columns).iterator(chunk_size=5000):
            pk, category, price, item_sizes, gender, usage = table_values(row)
            ids.append(pk)
            categories.append(category or "")
            prices.append(float(price) if price is not None else None)
            sizes.append(frozenset(str(x).upper() for x in (item_sizes or ())))
            genders.append(gender or "")
            occasions.append(taxonomy.occasion_for(usage))
            if complete:
                card_rows[pk] = row
        info = ItemTable(ids, categories=categories, prices=prices, sizes=sizes, genders=genders, occasions=occasions)
        _info_cache = ItemState(
            index=index, loaded_at=time.monotonic(), info=info, stamp=stamp, card_rows=card_rows, complete=complete
        )
        return _info_cache


def item_info_for(index: ActiveIndex) -> ItemTable:
    return item_state(index).info


def card_items(state: ItemState, item_ids: Sequence[int]) -> dict[int, InventoryItem]:
    """Active items' card rows by id (model instances holding CARD_FIELDS), from this process's rows of the current
    inventory stamp, reading the missing ones unless the rows are complete. A retire, reprice or import moves the
    stamp (``updated_at``), and a new stamp starts a new cache, so a row here is never older than the inventory
    state this request saw."""
    rows = state.card_rows
    missing = [] if state.complete else [i for i in item_ids if i not in rows]
    if missing:
        fetched = {row[0]: row for row in InventoryItem.objects.filter(is_active=True, pk__in=missing).values_list(*_CARD_COLUMNS)}
        if len(rows) + len(fetched) > CARD_ROW_CACHE_SIZE:  # start over, keeping this page's rows
            rows = state.card_rows = {i: rows[i] for i in item_ids if i in rows}
        rows.update(fetched)
    out = {}
    for i in item_ids:
        row = rows.get(i)
        if isinstance(row, tuple):  # read as values; made an instance once, when a page first shows it
            row = rows[i] = InventoryItem.from_db(InventoryItem.objects.db, _CARD_COLUMNS, row)
        if row is not None:
            out[i] = row
    return out


def forget_item_info() -> None:
    global _info_cache
    with _info_lock:
        _info_cache = None


def raw_index(index: ActiveIndex):
    """The mapped index without ActiveIndex's per-query database check: For you filters retired items through the
    item metadata (active items only) and re-checks the chosen few when it reads their rows."""
    return getattr(index, "index", index)


def vector_of(blob: bytes | memoryview) -> np.ndarray:
    """A stored ``<f4`` embedding as an array (read-only, no copy)."""
    return from_blob(blob)


CATEGORY_NEIGHBOURS = 10  # shop items whose categories vote for a garment left "Other"


def category_groups(index: ActiveIndex, info: ItemTable, categories: Sequence[str], vectors: np.ndarray) -> list[str]:
    """Each garment's category as the recommender reads it: the user's, or for a garment left "Other" the category
    most of its nearest shop items have (its auto-tag's vote). For you groups a closet by it (a centroid and a share
    of the list per category) and Style this pairs by it."""
    out = list(categories)
    unknown = [i for i, c in enumerate(out) if not c or c == taxonomy.OTHER]
    if unknown:
        found = raw_index(index).query_batch(np.asarray(vectors)[unknown], CATEGORY_NEIGHBOURS)
        for i, neighbours in zip(unknown, found):
            votes = Counter(str(c) for c in info.categories_of([j for j, _ in neighbours]) if c)
            if votes:
                out[i] = votes.most_common(1)[0][0]
    return out


BORROWED_TEXT_NEIGHBOURS = 10  # a photo with no words borrows the text of this many nearest shop items (the
# evaluation's k): find-similar photos and mood-board uploads alike


def text_neighbours(index: ActiveIndex, vector: np.ndarray) -> np.ndarray:
    """The vectors of the shop items nearest ``vector``, whose shared text block a photo with no words borrows
    (``ml.vectors.VectorLayout.borrow_text``)."""
    raw = raw_index(index)
    near = [i for i, _ in raw.query(vector, min(BORROWED_TEXT_NEIGHBOURS, len(raw)))]
    return vectors_of(raw, near) if near else np.zeros((0, len(vector)), np.float32)
