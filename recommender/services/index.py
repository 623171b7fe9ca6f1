"""The index lifecycle: build a new version from the database, verify it, switch the pointer, prune old folders.

Vectors live in Postgres (InventoryItem.embedding), so an index can always be rebuilt from the database. Rebuilds
never overwrite: each writes a new folder under settings.ML_INDEX_DIR, and the IndexVersion row marked current is
switched in one transaction after the folder has loaded and answered a query. Web processes compare the pointer
per request (recommender.selectors.current_index) and map the new folder when it changes. Replaced folders stay for
RECOMMENDER_INDEX_GRACE_SECONDS so a process still reading one is not cut off.

Only one rebuild runs at a time: a process-local lock in front of a Postgres advisory lock, or on other databases (SQLite, the embedded default) a
JobLock row with an expiry.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from ml.index import AnnoyVectorIndex, IndexLoadError
from ml.vectors import from_blob
from recommender.models import EmbeddingState, IndexVersion, InventoryItem, JobLock

logger = logging.getLogger(__name__)

REBUILD_LOCK = "recommender.rebuild_index"
_ADVISORY_KEY = 0x636C6F736574  # "closet"
_LOCK_TTL = timedelta(minutes=30)


class IndexBuildError(Exception):
    """A freshly built folder did not load or answer; the current pointer was left alone."""


_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(name: str) -> threading.Lock:
    with _process_locks_guard:
        return _process_locks.setdefault(name, threading.Lock())


@contextlib.contextmanager
def single_flight(name: str = REBUILD_LOCK) -> Iterator[bool]:
    """Yield True if this caller holds the named lock for the block, False if anyone else holds it (no wait).

    A process-local lock comes first: Postgres advisory locks are reentrant per session, so without it a second
    caller on the same connection (a nested call, or code sharing the thread's connection) would get the lock too.
    The database lock then excludes the other processes and hosts.
    """
    local = _process_lock(name)
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        with _database_lock(name) as got:
            yield got
    finally:
        local.release()


@contextlib.contextmanager
def _database_lock(name: str) -> Iterator[bool]:
    if connection.vendor == "postgresql":
        key = _ADVISORY_KEY + sum(name.encode())
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            got = cur.fetchone()[0]
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    now = timezone.now()
    with transaction.atomic():
        JobLock.objects.filter(name=name, expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            JobLock.objects.create(name=name, holder=holder, expires_at=now + _LOCK_TTL)
        got = True
    except IntegrityError:
        got = False
    try:
        yield got
    finally:
        if got:
            JobLock.objects.filter(name=name, holder=holder).delete()


def indexable_items():
    return InventoryItem.objects.filter(is_active=True, embedding_state=EmbeddingState.READY)


def majority_model_version() -> str | None:
    """The model version most ready active items carry: the one an index is built for (no model load needed).

    After a model change items re-embed in the background; the index follows once most of them have moved.
    """
    top = indexable_items().values("embedding_version").annotate(n=Count("id")).order_by("-n", "embedding_version").first()
    return top["embedding_version"] if top else None


def read_vectors(*, model_version: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of the ready active items of ``model_version``, streamed from the database in id order."""
    qs = indexable_items().filter(embedding_version=model_version).order_by("pk").values_list("pk", "embedding")
    ids, rows = [], []
    for pk, blob in qs.iterator(chunk_size=2000):
        ids.append(pk)
        rows.append(from_blob(blob))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    return np.asarray(ids, dtype=np.int64), np.vstack(rows)


def _index_inputs() -> tuple[int, datetime | None]:
    """How many items an index built now would hold, and the newest ``updated_at`` in the inventory (the same
    moment as ``recommender.selectors.inventory_stamp``, read through the ORM: it is stored on the IndexVersion)."""
    agg = InventoryItem.objects.aggregate(latest=Max("updated_at"))
    return indexable_items().count(), agg["latest"]


def index_is_stale() -> bool:
    """True when the inventory changed since the current index was built (or there is none but could be)."""
    current = IndexVersion.objects.filter(is_current=True).first()
    count, latest = _index_inputs()
    if current is None:
        return count > 0
    return count != current.item_count or (latest is not None and latest > (current.inventory_updated_at or latest))


def rebuild_index(*, force: bool = False, n_trees: int | None = None) -> IndexVersion | None:
    """Build, verify and switch to a new index version. Returns it, or None when another rebuild holds the lock,
    there is nothing to index, or (without ``force``) the current index is up to date."""
    with single_flight() as got:
        if not got:
            logger.info("index rebuild skipped: another rebuild is running")
            return None
        if not force and not index_is_stale():
            return None
        started = time.perf_counter()
        _, stamp = _index_inputs()
        model_version = majority_model_version()
        if model_version is None:
            return None
        ids, vectors = read_vectors(model_version=model_version)
        built_at = timezone.now()
        version = f"{built_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        root = Path(settings.ML_INDEX_DIR)
        folder = root / version
        AnnoyVectorIndex.build(
            folder, ids, vectors, model_version=model_version, n_trees=n_trees or settings.RECOMMENDER_INDEX_N_TREES
        )
        _verify(folder, model_version=model_version, ids=ids, vectors=vectors)
        _fit_gender_probe(folder, ids=ids, vectors=vectors, model_version=model_version)
        with transaction.atomic():
            IndexVersion.objects.select_for_update().filter(is_current=True).update(is_current=False, replaced_at=timezone.now())
            new = IndexVersion.objects.create(
                version=version,
                folder=str(folder),
                model_version=model_version,
                item_count=len(ids),
                inventory_updated_at=stamp,
                built_at=built_at,
                build_seconds=round(time.perf_counter() - started, 3),
                is_current=True,
            )
        prune_index_versions()
        logger.info("index %s is current: %d items in %.1fs", version, len(ids), new.build_seconds)
        return new


def _fit_gender_probe(folder: Path, *, ids: np.ndarray, vectors: np.ndarray, model_version: str) -> None:
    """The closet-gender probe of this version (recommender.closet_traits), saved beside its index files. A probe
    that fails costs For you its automatic gender filter, never the index."""
    from recommender.closet_traits import fit_probe, save_probe

    try:
        probe = fit_probe(ids, vectors, model_version=model_version)
        if probe is not None:
            save_probe(probe, folder)
    except Exception:  # noqa: BLE001
        logger.exception("gender probe for %s failed; For you serves without a closet gender filter", folder)


def _verify(folder: Path, *, model_version: str, ids: np.ndarray, vectors: np.ndarray) -> None:
    try:
        index = AnnoyVectorIndex.load(folder, expected_version=model_version)
        probe = len(ids) // 2
        found = index.query(vectors[probe], 1)
    except (IndexLoadError, ValueError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise IndexBuildError(f"{folder}: the new index does not load: {exc}") from exc
    if not found or found[0][0] != int(ids[probe]):
        shutil.rmtree(folder, ignore_errors=True)
        raise IndexBuildError(f"{folder}: the new index does not find item {int(ids[probe])} from its own vector")


def prune_index_versions(*, grace: timedelta | None = None) -> int:
    """Delete the folders and rows of versions replaced longer than the grace period ago. Returns how many."""
    grace = grace if grace is not None else timedelta(seconds=settings.RECOMMENDER_INDEX_GRACE_SECONDS)
    old = list(IndexVersion.objects.filter(is_current=False, replaced_at__lte=timezone.now() - grace))
    root = Path(settings.ML_INDEX_DIR).resolve()
    for version in old:
        folder = Path(version.folder).resolve()
        if root in folder.parents:
            shutil.rmtree(folder, ignore_errors=True)
        version.delete()
    return len(old)
