"""Whose closet is it: the gender filter For you applies when the user has not chosen one.

The offline evaluation (docs/evaluation.md) found that recommendations for a closet read from photos cross genders
(a women's closet shown men's shoes) unless the closet's gender filters the pool. ``closet_gender_filter`` makes
that call from the closet's own ready garment vectors with ``ml.gender``: a linear probe trained on the current
index's inventory vectors and their gender labels gives each garment a gender probability, and the closet's
photos together decide ("Women" -> Women + Unisex; unsure between adult and kids -> both of that side; a mix -> no
filter).

The probe reads the image block of the vectors (see ``probe_input``), as in the evaluation.

Two caches: the probe per index version (trained once, in one process at a time), and the call per closet state
(the ready garments and their embedding versions), both in Django's cache.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from ml.gender import ClosetGender, GenderProbe, closet_gender, train_probe
from ml.index import normalise
from ml.ranking import vectors_of
from recommender.models import InventoryItem
from wardrobe.models import EmbeddingState, Garment

logger = logging.getLogger(__name__)

PROBE_PER_CLASS = 4000  # inventory items per gender the probe learns from (a seeded sample), as in the evaluation
# ml.encoders.ItemEncoder stores [image block, text block (all-MiniLM-L6-v2, 384-d)]; the probe reads the image
# block only: a garment's name is whatever its owner typed (or its file name), unlike the shop's names.
TEXT_DIM = 384
PROBE_CACHE_SECONDS = 7 * 24 * 3600  # keyed by index version, so it never goes stale; this only frees memory
CLOSET_CACHE_SECONDS = 24 * 3600  # keyed by closet state
_train_lock = threading.Lock()
_NO_PROBE = "none"  # cached when the inventory has too few labelled genders to train on


def _index_key(index) -> str:
    version = getattr(index, "version", None)
    if version is not None:
        return f"v{version.pk}-{version.version}"
    # The exact-search fallback over the database has no version row: its model and size stand in.
    return f"db-{index.model_version}-{len(index)}"


def gender_probe_for(index) -> GenderProbe | None:
    """The probe for ``index`` (an ActiveIndex or any VectorIndex with ``ids``), trained on first use per index
    version and cached. None when the inventory has fewer than two labelled genders (nothing to learn)."""
    key = f"closet-traits:probe:{_index_key(index)}"
    cached = _cache_get(key)
    if cached is not None:
        return None if cached == _NO_PROBE else cached
    with _train_lock:  # a burst of first requests trains once per process
        cached = _cache_get(key)
        if cached is not None:
            return None if cached == _NO_PROBE else cached
        probe = _train(index)
        _cache_set(key, probe if probe is not None else _NO_PROBE, PROBE_CACHE_SECONDS)
        return probe


def _train(index) -> GenderProbe | None:
    ids = np.asarray(index.ids, dtype=np.int64)
    labelled = dict(
        InventoryItem.objects.filter(pk__in=ids.tolist()).exclude(gender="").values_list("pk", "gender")
    )
    rng = np.random.default_rng(0)
    by_gender: dict[str, list[int]] = {}
    for pk in sorted(labelled):
        by_gender.setdefault(labelled[pk], []).append(pk)
    chosen: list[int] = []
    for gender in sorted(by_gender):
        members = by_gender[gender]
        if len(members) > PROBE_PER_CLASS:
            members = sorted(rng.choice(members, size=PROBE_PER_CLASS, replace=False).tolist())
        chosen += members
    if sum(1 for m in by_gender.values() if len(m) >= 2) < 2:
        return None
    raw = getattr(index, "index", index)
    vectors = probe_input(vectors_of(raw, chosen), index.model_version)
    return train_probe(vectors, [labelled[pk] for pk in chosen], max_per_class=None)


def probe_input(vectors: np.ndarray, model_version: str) -> np.ndarray:
    """The unit image block of item/garment vectors of ``model_version`` (the whole vector for other encoders)."""
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if model_version.startswith("item:") and vectors.shape[1] > TEXT_DIM:
        vectors = vectors[:, :-TEXT_DIM]
    return normalise(vectors)


def closet_gender_for(*, user: AbstractBaseUser, index) -> ClosetGender | None:
    """The closet-level call for ``user`` over their ready garments of the index's model version (None: no such
    garment, or no probe)."""
    rows = list(
        Garment.objects.filter(
            owner=user, embedding_state=EmbeddingState.READY, embedding_version=index.model_version
        ).order_by("pk").values_list("pk", "updated_at")
    )
    if not rows:
        return None
    key = f"closet-traits:gender:{user.pk}:{_index_key(index)}:{_closet_hash(rows)}"
    cached = _cache_get(key)
    if isinstance(cached, ClosetGender):
        return cached
    probe = gender_probe_for(index)
    if probe is None:
        return None
    blobs = Garment.objects.filter(pk__in=[pk for pk, _ in rows]).order_by("pk").values_list("embedding", flat=True)
    vectors = probe_input(np.vstack([np.frombuffer(bytes(b), dtype="<f4") for b in blobs]), index.model_version)
    if vectors.shape[1] != probe.dim:
        return None
    call = closet_gender(probe, vectors)
    _cache_set(key, call, CLOSET_CACHE_SECONDS)
    return call


def closet_gender_filter(*, user: AbstractBaseUser, index) -> frozenset[str] | None:
    """The genders For you should admit for ``user``'s closet when they chose no gender filter themselves:
    ``{"Women", "Unisex"}``, ``{"Women", "Girls", "Unisex"}`` (sure of the side only), ``{"Unisex"}`` (a mixed
    closet, or photos that do not say), or None (no ready garment, or an inventory without two genders)."""
    call = closet_gender_for(user=user, index=index)
    return call.genders if call is not None else None


def _closet_hash(rows: Sequence[tuple[int, object]]) -> str:
    # updated_at moves on every save, so a re-embedded or edited garment gives a new key.
    text = ";".join(f"{pk}@{stamp.isoformat() if stamp else ''}" for pk, stamp in rows)
    return hashlib.sha1(text.encode()).hexdigest()


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage costs the computation, never the page
        logger.warning("closet traits cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, value, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001
        logger.warning("closet traits cache unavailable; not stored", exc_info=True)
