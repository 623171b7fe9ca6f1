"""Whose closet is it: the gender filter For you applies when the user has not chosen one.

The offline evaluation (docs/evaluation.md) found that recommendations for a closet read from photos cross genders
(a women's closet shown men's shoes) unless the closet's gender filters the pool. ``closet_gender_filter`` makes
that call from the closet's own ready garment vectors with ``ml.gender``: a linear probe trained on the current
index's inventory vectors and their gender labels gives each garment a gender probability, and the closet's
photos together decide ("Women" -> Women + Unisex; unsure between adult and kids -> both of that side; a mix, or
photos that do not say -> Unisex only, and the page says so).

The probe reads the image block of the vectors (see ``probe_input``), as in the evaluation.

The probe is fitted when an index version is built (``fit_probe``, in the worker: ~15 s of CPU on the shared
inventory) and saved in the version's folder; web processes load it once per version. The call is cached per
closet state (the ready garments and their ``updated_at``) in Django's cache.
"""
from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from django.contrib.auth.models import AbstractBaseUser

from ml import gender
from ml.gender import ClosetGender, GenderProbe, ProbeFileError, closet_gender, load_probe
from ml.vectors import VectorLayout, from_blobs, normalise
from recommender.caching import content_get, content_set
from recommender.models import InventoryItem
from wardrobe.models import EmbeddingState, Garment

logger = logging.getLogger(__name__)

CLOSET_CACHE_SECONDS = 24 * 3600  # keyed by closet state
PROBE_FILE = "gender-probe.npz"  # beside the index files of a version (recommender.services.index.rebuild_index)
_loaded_lock = threading.Lock()
_loaded: dict[str, GenderProbe | None] = {}  # probe file path -> probe, per process


def fit_probe(ids: np.ndarray, vectors: np.ndarray, *, model_version: str) -> GenderProbe | None:
    """Fit the gender probe (``ml.gender.fit_probe``) on an index build's items (``ids`` with their ``vectors``) and
    the gender labels the inventory gives them; None when the inventory has nothing worth learning.

    Called by the index rebuild (a worker), never by a request: on the shared inventory it takes about 15 s of CPU."""
    ids = np.asarray(ids, dtype=np.int64)
    labelled = dict(InventoryItem.objects.filter(pk__in=ids.tolist()).exclude(gender="").values_list("pk", "gender"))
    labels = [labelled.get(pk, "") for pk in ids.tolist()]
    return gender.fit_probe(probe_input(np.asarray(vectors, dtype=np.float32), model_version), labels)


def save_probe(probe: GenderProbe, folder: Path | str) -> Path:
    return gender.save_probe(probe, Path(folder) / PROBE_FILE)


def gender_probe_for(index) -> GenderProbe | None:
    """The probe saved with ``index``'s version (loaded once per process), or None: the exact-search fallback,
    an index built before probes existed, or an inventory the probe could not learn from."""
    version = getattr(index, "version", None)
    if version is None:
        return None
    path = str(Path(version.folder) / PROBE_FILE)
    if path in _loaded:
        return _loaded[path]
    with _loaded_lock:
        if path not in _loaded:
            _loaded[path] = _read_probe(path)
        return _loaded[path]


def _read_probe(path: str) -> GenderProbe | None:
    try:
        return load_probe(path)
    except FileNotFoundError:
        return None
    except ProbeFileError:
        logger.warning("gender probe %s is unreadable; no closet gender filter", path, exc_info=True)
        return None


def _index_key(index) -> str:
    """Only indexes with a version row have a probe (``gender_probe_for``), so only they reach a cached call."""
    return f"v{index.version.pk}-{index.version.version}"


def probe_input(vectors: np.ndarray, model_version: str) -> np.ndarray:
    """The unit image block of item/garment vectors of ``model_version`` (the whole vector for other encoders,
    and for vectors that are not the width the version's layout says).

    Only the image block: a garment's name is whatever its owner typed (or its file name), unlike the shop's names.
    """
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    layout = VectorLayout.from_version(model_version)
    if layout is not None and vectors.shape[1] == layout.dim:
        vectors = vectors[:, : layout.image_dim]
    return normalise(vectors)


def closet_gender_for(
    *, user: AbstractBaseUser, index, ready: Sequence[Garment] | None = None
) -> ClosetGender | None:
    """The closet-level call for ``user`` over their ready garments of the index's model version (None: no such
    garment, or no probe). ``ready``: those garments when the caller has read them already (saves a query)."""
    if ready is None:
        rows = list(
            Garment.objects.filter(
                owner=user, archived_at__isnull=True, embedding_state=EmbeddingState.READY,
                embedding_version=index.model_version,
            ).order_by("pk").values_list("pk", "updated_at")
        )
    else:
        rows = sorted((g.pk, g.updated_at) for g in ready)
    if not rows:
        return None
    probe = gender_probe_for(index)
    if probe is None:
        return None
    key = f"closet-traits:gender:{user.pk}:{_index_key(index)}:{_closet_hash(rows)}"
    cached = content_get(key)
    if isinstance(cached, ClosetGender):
        return cached
    blobs = Garment.objects.filter(pk__in=[pk for pk, _ in rows]).order_by("pk").values_list("embedding", flat=True)
    vectors = probe_input(from_blobs(blobs), index.model_version)
    if vectors.shape[1] != probe.dim:
        return None
    call = closet_gender(probe, vectors)
    content_set(key, call, CLOSET_CACHE_SECONDS)
    return call


def closet_gender_filter(*, user: AbstractBaseUser, index, ready: Sequence[Garment] | None = None) -> frozenset[str] | None:
    """The genders For you should admit for ``user``'s closet when they chose no gender filter themselves:
    ``{"Women", "Unisex"}``, ``{"Women", "Girls", "Unisex"}`` (sure of the side only), ``{"Unisex"}`` (a mixed
    closet, or photos that do not say), or None (no ready garment, or an inventory without two genders)."""
    call = closet_gender_for(user=user, index=index, ready=ready)
    return call.genders if call is not None else None


def _closet_hash(rows: Sequence[tuple[int, object]]) -> str:
    # updated_at moves on every save, so a re-embedded or edited garment gives a new key.
    text = ";".join(f"{pk}@{stamp.isoformat() if stamp else ''}" for pk, stamp in rows)
    return hashlib.sha1(text.encode()).hexdigest()
