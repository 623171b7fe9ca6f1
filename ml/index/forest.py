"""The Annoy index: an Annoy forest over (optionally PCA-projected) unit vectors, re-ranked exactly.

Exact re-rank. The forest is only used to find candidates: it fetches ``k * overfetch`` of them (at most
``MAX_RERANK`` unless k itself is larger) in the PCA space when the index was built with PCA, and they are re-scored
on the full vectors, kept next to the index as a ``.npy`` memmap. Returned distances are therefore exact, whatever
the projection, and equal the exact fallback's; Annoy's "angular" metric reports the same ``sqrt(2 - 2 cos)`` scale.

PCA. ``Pca.fit`` centres a seeded sample of the unit vectors and keeps the top eigenvectors of its covariance:
``z = (x - mean) @ components.T``. Projected distances only choose candidates; they are never returned.

:func:`load_index` turns a folder's ``IndexLoadError`` into an :class:`ExactIndex` with a logged reason.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ml.index.exact import (
    _CHUNK,
    ExactIndex,
    Neighbours,
    VectorIndex,
    _distances,
    _excluded_positions,
    _finish,
    _HeldVectors,
    _IdMap,
)
from ml.index.folder import (
    DEFAULT_N_TREES,
    DEFAULT_OVERFETCH,
    DEFAULT_PCA_DIMS,
    DEFAULT_SEARCH_K,
    FORMAT_VERSION,
    IDS_FILE,
    INDEX_FILE,
    MAX_RERANK,
    META_FILE,
    METRICS,
    PCA_FILE,
    VECTORS_FILE,
    IndexFile,
    IndexLoadError,
    IndexMeta,
    IndexVersionMismatch,
    FilesStamp,
    Metric,
    file_sha256,
    files_stamp,
    read_meta,
    verify_folder,
)
from ml.vectors import normalise

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pca:
    """A linear projection fitted on the indexed vectors: ``(x - mean) @ components.T``."""

    mean: np.ndarray
    components: np.ndarray  # (pca_dims, dim)

    @classmethod
    def fit(cls, vectors: np.ndarray, dims: int, *, sample: int = 50_000, seed: int = 0) -> Pca:
        """Fit on at most ``sample`` rows (seeded), from the covariance's top eigenvectors."""
        n, d = vectors.shape
        if not 0 < dims <= d:
            raise ValueError(f"pca_dims must be in 1..{d}; got {dims}")
        rows = np.sort(np.random.default_rng(seed).choice(n, size=min(n, sample), replace=False))
        x = normalise(vectors[rows])
        mean = x.mean(axis=0)
        x -= mean
        cov = (x.T @ x) / max(1, len(x) - 1)
        _, eigvecs = np.linalg.eigh(cov.astype(np.float64))
        components = eigvecs[:, ::-1][:, :dims].T.astype(np.float32)
        return cls(mean=mean.astype(np.float32), components=np.ascontiguousarray(components))

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return (np.asarray(vectors, dtype=np.float32) - self.mean) @ self.components.T



class AnnoyVectorIndex(_HeldVectors):
    """An Annoy forest over (optionally PCA-projected) vectors, with exact re-ranking on the full vectors.

    Build with :meth:`build` (writes a complete folder), open with :meth:`load` (verifies, then mmaps, so web
    processes share pages). Queries fetch ``k * overfetch`` candidates (at most MAX_RERANK unless k itself is larger)
    with ``search_k`` and re-score them exactly.
    """

    kind = "annoy"

    def __init__(
        self, folder: Path, meta: IndexMeta, *, search_k: int | None, overfetch: int | None,
        stamp: FilesStamp | None = None,
    ) -> None:
        import annoy

        self.folder = folder
        self.meta = meta
        self.files_stamp = stamp if stamp is not None else files_stamp(folder, meta)
        self.model_version: str = meta["model_version"]
        self.dim: int = int(meta["dim"])
        self.metric: Metric = meta["metric"]
        self.pca_dims: int | None = meta["pca_dims"]
        self.search_k: int = int(search_k if search_k is not None else meta["search_k"])
        self.overfetch: int = max(1, int(overfetch if overfetch is not None else meta["overfetch"]))
        self._idmap = _IdMap(np.load(folder / IDS_FILE, mmap_mode="r"))
        self.ids = self._idmap.ids
        # A plain ndarray over the mapped file: indexing an np.memmap goes through its Python __getitem__.
        self.vectors = np.asarray(np.load(folder / VECTORS_FILE, mmap_mode="r"))
        self.pca: Pca | None = None
        if self.pca_dims:
            with np.load(folder / PCA_FILE) as z:
                self.pca = Pca(mean=z["mean"], components=z["components"])
        self._annoy = annoy.AnnoyIndex(int(self.pca_dims or self.dim), self.metric)
        self._annoy.load(str(folder / INDEX_FILE))
        if self._annoy.get_n_items() != len(self.ids):
            raise IndexLoadError(f"{folder}: Annoy holds {self._annoy.get_n_items()} items, id map {len(self.ids)}")

    @classmethod
    def build(
        cls,
        folder: Path | str,
        ids: Sequence[int] | np.ndarray,
        vectors: np.ndarray,
        *,
        model_version: str,
        metric: Metric = "euclidean",
        n_trees: int = DEFAULT_N_TREES,
        pca_dims: int | None = DEFAULT_PCA_DIMS,
        search_k: int = DEFAULT_SEARCH_K,
        overfetch: int = DEFAULT_OVERFETCH,
        vector_dtype: str = "float16",
        seed: int = 0,
        n_jobs: int = -1,
    ) -> AnnoyVectorIndex:
        """Write a complete index folder at ``folder`` (which must not exist yet) and return it opened.

        The folder appears whole or not at all: everything is written to a sibling temporary folder, checksummed
        and renamed into place (a process killed mid-build leaves a ``.<name>.*`` folder beside it, never a
        half-written ``folder``). ``vectors`` may be a memmap; it is read in chunks. ``search_k`` and ``overfetch``
        are stored as the defaults a later :meth:`load` uses. PCA is skipped (``pca_dims`` recorded as null) when
        ``pca_dims`` is None or not below the dimension, or there are fewer than ``2 * pca_dims`` vectors to fit on.
        """
        import annoy

        folder = Path(folder)
        if folder.exists():
            raise FileExistsError(f"{folder} exists; index folders are written once (build a new version)")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
        if vector_dtype not in ("float16", "float32"):
            raise ValueError("vector_dtype must be float16 or float32")
        idmap = _IdMap(np.asarray(ids))
        n = len(idmap.ids)
        if vectors.ndim != 2 or vectors.shape[0] != n or n == 0:
            raise ValueError(f"vectors must be ({n}, d) with n > 0; got {vectors.shape}")
        dim = int(vectors.shape[1])
        if pca_dims is not None and (pca_dims >= dim or n < 2 * pca_dims):
            pca_dims = None

        started = time.perf_counter()
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            pca = Pca.fit(vectors, pca_dims, seed=seed) if pca_dims else None
            np.save(tmp / IDS_FILE, idmap.ids)
            stored = np.lib.format.open_memmap(tmp / VECTORS_FILE, mode="w+", dtype=vector_dtype, shape=(n, dim))
            forest = annoy.AnnoyIndex(pca_dims or dim, metric)
            forest.set_seed(seed)
            forest.on_disk_build(str(tmp / INDEX_FILE))
            for start in range(0, n, _CHUNK):
                unit = normalise(vectors[start : start + _CHUNK])
                stored[start : start + len(unit)] = unit
                projected = pca.project(unit) if pca else unit
                for offset, row in enumerate(projected):
                    forest.add_item(start + offset, row)
            stored.flush()
            del stored
            forest.build(n_trees, n_jobs=n_jobs)
            forest.unload()
            if pca:
                np.savez(tmp / PCA_FILE, mean=pca.mean, components=pca.components)
            files: dict[str, IndexFile] = {
                p.name: {"bytes": p.stat().st_size, "sha256": file_sha256(p)} for p in sorted(tmp.iterdir())
            }
            meta: IndexMeta = {
                "format": FORMAT_VERSION,
                "model_version": model_version,
                "dim": dim,
                "pca_dims": pca_dims,
                "metric": metric,
                "n_trees": n_trees,
                "count": n,
                "search_k": search_k,
                "overfetch": overfetch,
                "vector_dtype": vector_dtype,
                "seed": seed,
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "build_seconds": round(time.perf_counter() - started, 3),
                "files": files,
            }
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
            for path in tmp.iterdir():
                path.chmod(0o644)
            tmp.chmod(0o755)  # mkdtemp makes it private; web and worker processes may run as other users
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return cls(folder, meta, search_k=None, overfetch=None)

    @classmethod
    def load(
        cls,
        folder: Path | str,
        *,
        expected_version: str | None = None,
        verify_checksums: bool = True,
        search_k: int | None = None,
        overfetch: int | None = None,
    ) -> AnnoyVectorIndex:
        """Open a folder written by :meth:`build`, after checking it against its metadata.

        Raises IndexVersionMismatch when ``expected_version`` is given and differs, IndexLoadError when anything is
        missing, truncated or fails its checksum. ``verify_checksums=False`` keeps the size checks only (a 1M-item
        folder takes seconds to hash).
        """
        folder = Path(folder)
        meta = read_meta(folder)
        if expected_version is not None and meta["model_version"] != expected_version:
            raise IndexVersionMismatch(
                f"{folder}: built for model version {meta['model_version']!r}, expected {expected_version!r}"
            )
        stamp = files_stamp(folder, meta)  # before verifying: a write during the checksums then shows as a change
        verify_folder(folder, meta, checksums=verify_checksums)
        try:
            return cls(folder, meta, search_k=search_k, overfetch=overfetch, stamp=stamp)
        except IndexLoadError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise IndexLoadError(f"{folder}: cannot open: {exc}") from exc


    def candidates(self, vector: np.ndarray, n: int, *, search_k: int | None = None) -> np.ndarray:
        """Positions of up to ``n`` approximate neighbours of a unit vector, in Annoy's order (no re-rank)."""
        q = self.pca.project(vector[None, :])[0] if self.pca else vector
        found = self._annoy.get_nns_by_vector(q, n, search_k if search_k is not None else self.search_k)
        return np.asarray(found, dtype=np.int64)

    def query(
        self, vector: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> Neighbours:
        q = normalise(np.asarray(vector).reshape(1, -1))
        if q.shape[1] != self.dim:
            raise ValueError(f"query has {q.shape[1]} dims; index has {self.dim}")
        excluded = _excluded_positions(self._idmap, exclude)
        wanted = k + len(excluded)
        fetch = max(wanted, min(wanted * self.overfetch, MAX_RERANK))
        positions = self.candidates(q[0], fetch, search_k=search_k)
        if len(positions) == 0:
            return []
        sorted_pos = np.sort(positions)  # ascending reads are kinder to a memmap
        d = _distances(q, self.vectors[sorted_pos])[0]
        return _finish(self.ids, sorted_pos, d, k, excluded)

    def query_batch(
        self, vectors: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> list[Neighbours]:
        return [self.query(v, k, search_k=search_k, exclude=exclude) for v in np.atleast_2d(vectors)]



Fallback = tuple[np.ndarray, np.ndarray] | Callable[[], tuple[np.ndarray, np.ndarray]]


def verify_mapped(index: AnnoyVectorIndex) -> None:
    """Raise IndexLoadError when a file of this loaded index changed, moved or vanished since it was verified:
    Annoy and the vector memmap read the files as they are now, so an in-place write corrupts answers silently."""
    if files_stamp(index.folder, index.meta) != index.files_stamp:
        raise IndexLoadError(f"{index.folder}: files changed on disk after they were verified and mapped")


def load_index(
    folder: Path | str | None,
    *,
    expected_version: str,
    fallback: Fallback,
    verify_checksums: bool = True,
    search_k: int | None = None,
    overfetch: int | None = None,
) -> VectorIndex:
    """The Annoy index in ``folder`` if it is sound and of ``expected_version``, else an ExactIndex.

    ``fallback`` is ``(ids, vectors)`` or a callable returning them, called only when the fallback is needed (so
    the caller reads vectors from its database only then). The reason for a fallback is logged as a warning and
    kept on ``ExactIndex.fallback_reason``. Errors other than a bad index (a failing fallback) propagate.
    """
    if folder is not None:
        try:
            return AnnoyVectorIndex.load(
                folder,
                expected_version=expected_version,
                verify_checksums=verify_checksums,
                search_k=search_k,
                overfetch=overfetch,
            )
        except IndexLoadError as exc:
            reason = str(exc)
    else:
        reason = "no index folder configured"
    logger.warning("using exact search instead of the Annoy index: %s", reason)
    ids, vectors = fallback() if callable(fallback) else fallback
    return ExactIndex(ids, vectors, model_version=expected_version, fallback_reason=reason)


build_index = AnnoyVectorIndex.build
"""``ml.index.build_index(folder, ids, vectors, *, model_version, ...)``: the same as :meth:`AnnoyVectorIndex.build`."""
