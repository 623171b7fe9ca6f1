"""Reads of the index state. The recommendation selectors (recommendations_for, similar_to, ...) build on
`current_index()`.

Each process keeps the index it mapped with the id of the IndexVersion row it came from. `current_index()` reads the
pointer (one indexed query) and maps the new folder when it changed, so a rebuild reaches every web process on its
next request, without restart. A folder that is missing or corrupt gives an exact-search index over the vectors in
the database instead of an error. Retired items are filtered out at query time, before the next rebuild drops them.
"""
from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from ml.index import ExactIndex, Neighbours, VectorIndex, load_index
from recommender.models import EmbeddingState, IndexVersion, InventoryItem
from wardrobe.models import Garment

logger = logging.getLogger(__name__)

_NO_POINTER_TTL = 30.0  # seconds an exact index over the database is reused while no version is current
_STALE_CHECK_EVERY = 10.0  # seconds between staleness checks when rebuilding inline


class ActiveIndex:
    """A VectorIndex that never returns a retired or deleted item: it over-fetches and keeps the active ones."""

    def __init__(self, index: VectorIndex, *, version: IndexVersion | None) -> None:
        self.index = index
        self.version = version
        self.ids = index.ids
        self.dim = index.dim
        self.model_version = index.model_version
        self.kind = getattr(index, "kind", "exact")
        self.fallback_reason = getattr(index, "fallback_reason", "")

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.index

    def vector(self, item_id: int) -> np.ndarray:
        return self.index.vector(item_id)

    def vectors_for(self, item_ids) -> np.ndarray:
        """Many vectors in one read (see ml.ranking.vectors_of); the wrapped index's gather when it has one."""
        from ml.ranking import vectors_of

        return vectors_of(self.index, item_ids)

    def query(
        self, vector: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> Neighbours:
        return self.query_batch(np.asarray(vector)[None, :], k, search_k=search_k, exclude=exclude)[0]

    def query_batch(
        self, vectors: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> list[Neighbours]:
        out = []
        for vector in np.atleast_2d(vectors):
            excluded = set(int(i) for i in exclude)
            while True:
                found = self.index.query(vector, k, search_k=search_k, exclude=excluded)
                active = set(
                    InventoryItem.objects.filter(pk__in=[i for i, _ in found], is_active=True).values_list("pk", flat=True)
                )
                retired = {i for i, _ in found if i not in active}
                if not retired or len(found) < k:
                    out.append([(i, d) for i, d in found if i in active])
                    break
                excluded |= retired
        return out


@dataclass
class _Loaded:
    pointer: int | None
    index: ActiveIndex | None
    loaded_at: float


_lock = threading.Lock()
_loaded: _Loaded | None = None
_last_stale_check = 0.0


def _fallback_vectors(model_version: str):
    from recommender.services.index import read_vectors

    return lambda: read_vectors(model_version=model_version)


def _load(pointer: IndexVersion | None) -> ActiveIndex | None:
    if pointer is not None:
        index = load_index(
            pointer.folder, expected_version=pointer.model_version, fallback=_fallback_vectors(pointer.model_version),
            search_k=settings.RECOMMENDER_ANN_SEARCH_K or None, overfetch=settings.RECOMMENDER_ANN_OVERFETCH or None,
        )
        return ActiveIndex(index, version=pointer)
    from recommender.services.index import majority_model_version, read_vectors

    model_version = majority_model_version()
    if model_version is None:
        return None
    ids, vectors = read_vectors(model_version=model_version)
    exact = ExactIndex(ids, vectors, model_version=model_version, fallback_reason="no index has been built yet")
    return ActiveIndex(exact, version=None)


def _maybe_rebuild_inline() -> None:
    """Embedded default (no broker, no beat): rebuild a stale index here, at most one check per few seconds."""
    global _last_stale_check
    if not settings.RECOMMENDER_REBUILD_INLINE or time.monotonic() - _last_stale_check < _STALE_CHECK_EVERY:
        return
    _last_stale_check = time.monotonic()
    from recommender.services.index import index_is_stale, rebuild_index

    if index_is_stale():
        try:
            rebuild_index()
        except Exception:  # noqa: BLE001 - a failed inline rebuild must not fail the request; the old index serves
            logger.exception("inline index rebuild failed")


def current_index() -> ActiveIndex | None:
    """The index of the current version (mapped once per process and version), or None with no embedded items."""
    return current_index_and_stamp()[0]


def current_index_and_stamp() -> tuple[ActiveIndex | None, object]:
    """``current_index()`` and the inventory stamp (see ``inventory_stamp``), read in one raw query: For you needs
    both on every request, and building ORM queries was a measurable part of its CPU (docs/benchmarks.md)."""
    global _loaded
    _maybe_rebuild_inline()
    stamp_sql, pointer_sql = _index_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({stamp_sql}), ({pointer_sql})")
        stamp, pk = cursor.fetchone()
    loaded = _loaded
    if loaded is not None and loaded.pointer == pk and (pk is not None or time.monotonic() - loaded.loaded_at < _NO_POINTER_TTL):
        return loaded.index, stamp
    with _lock:
        loaded = _loaded
        if loaded is not None and loaded.pointer == pk and (pk is not None or time.monotonic() - loaded.loaded_at < _NO_POINTER_TTL):
            return loaded.index, stamp
        pointer = IndexVersion.objects.filter(pk=pk).first() if pk is not None else None
        index = _load(pointer)
        _loaded = _Loaded(pointer=pointer.pk if pointer else None, index=index, loaded_at=time.monotonic())
        return index, stamp


def inventory_stamp() -> object:
    """The newest ``updated_at`` in the inventory, as the database returns it (compare it, do not read it): every
    retire, reprice, import or re-embed moves it, so a cache of item rows keyed on it is never stale."""
    with connection.cursor() as cursor:
        cursor.execute(_index_sql()[0])
        return cursor.fetchone()[0]


@functools.cache
def _index_sql() -> tuple[str, str]:
    """The inventory stamp's and the index pointer's queries (built on first use, not at import)."""
    qn = connection.ops.quote_name
    return (
        f"SELECT MAX({qn('updated_at')}) FROM {qn(InventoryItem._meta.db_table)}",
        f"SELECT {qn('id')} FROM {qn(IndexVersion._meta.db_table)} WHERE {qn('is_current')} LIMIT 1",
    )


def forget_loaded_index() -> None:
    """Drop this process's mapped index (tests; a process that wants to re-verify its files)."""
    global _loaded, _last_stale_check
    with _lock:
        _loaded = None
        _last_stale_check = 0.0


@dataclass(frozen=True)
class IndexState:
    version: str | None
    item_count: int
    built_at: datetime | None
    build_seconds: float | None
    model_version: str
    ready_active: int
    not_indexed: int
    pending: int
    processing: int
    failed: int
    retired: int
    stale: bool


def index_state() -> IndexState:
    """What the admin's index page shows: the current version and how much of the inventory it does not cover."""
    from recommender.services.index import index_is_stale

    current = IndexVersion.objects.filter(is_current=True).first()
    items = InventoryItem.objects
    ready_active = items.filter(is_active=True, embedding_state=EmbeddingState.READY).count()
    counts = dict(
        (state, n) for state, n in items.filter(is_active=True).values_list("embedding_state").annotate(n=_count()).order_by()
    )
    return IndexState(
        version=current.version if current else None,
        item_count=current.item_count if current else 0,
        built_at=current.built_at if current else None,
        build_seconds=current.build_seconds if current else None,
        model_version=current.model_version if current else "",
        ready_active=ready_active,
        not_indexed=_not_indexed(),
        pending=counts.get(EmbeddingState.PENDING, 0),
        processing=counts.get(EmbeddingState.PROCESSING, 0),
        failed=counts.get(EmbeddingState.FAILED, 0),
        retired=items.filter(is_active=False).count(),
        stale=index_is_stale(),
    )


def _not_indexed() -> int:
    """Ready active items the current index does not hold (embedded since the last rebuild)."""
    ready = np.fromiter(
        InventoryItem.objects.filter(is_active=True, embedding_state=EmbeddingState.READY).values_list("pk", flat=True),
        dtype=np.int64,
    )
    index = current_index()
    if index is None:
        return len(ready)
    return int((~np.isin(ready, index.ids)).sum())


def _count():
    from django.db.models import Count

    return Count("id")


def profile_vector(*, user: AbstractBaseUser, model_version: str) -> np.ndarray | None:
    """The mean of the user's ready garment vectors of ``model_version`` (None when there are none)."""
    blobs = Garment.objects.filter(
        owner=user, archived_at__isnull=True, embedding_state=EmbeddingState.READY, embedding_version=model_version
    ).values_list("embedding", flat=True)
    rows = [np.frombuffer(bytes(b), dtype="<f4") for b in blobs]
    if not rows:
        return None
    return np.mean(np.vstack(rows), axis=0)


def preview_recommendations(*, user: AbstractBaseUser, k: int = 12) -> list[tuple[InventoryItem, float]]:
    """Nearest active items to the mean of the user's closet: the admin's preview until the full ranking lands."""
    index = current_index()
    if index is None:
        return []
    query = profile_vector(user=user, model_version=index.model_version)
    if query is None or not np.any(query):
        return []
    found = index.query(query, k)
    items = InventoryItem.objects.in_bulk([i for i, _ in found])
    return [(items[i], d) for i, d in found if i in items]
