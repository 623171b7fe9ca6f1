"""Nearest-neighbour search over item embeddings: an Annoy index on disk, and an exact numpy fallback.

Distances. Every vector is L2-normalised on the way in (build and query), and every index here reports the
euclidean distance between normalised vectors, ``sqrt(2 - 2 cos)``: 0 is identical, 2 is opposite, smaller is
closer. Annoy's "angular" metric reports the same quantity, so both metrics and the exact fallback speak one scale,
and a caller who wants cosine similarity takes ``1 - d**2 / 2``.

Exact re-rank. The Annoy index is only used to find candidates: it fetches ``k * overfetch`` of them (in the PCA
space when the index was built with PCA) and they are re-scored on the full vectors, kept next to the index as a
``.npy`` memmap. Returned distances are therefore exact, whatever the projection, and equal the fallback's.

On-disk layout of an index folder (written by :meth:`AnnoyVectorIndex.build`, read by :meth:`AnnoyVectorIndex.load`)::

    index.ann     Annoy trees over the (projected) vectors, positions 0..n-1
    ids.npy       int64 item id of each position
    vectors.npy   the normalised full vectors (float16 by default), for re-ranking and ``vector()``
    pca.npz       mean and components, only when built with PCA
    meta.json     model version, dims, metric, n_trees, count, defaults, build time, size + sha256 of each file

Annoy maps a file with mmap and trusts it: a truncated or garbled file can crash or hang the process. So a folder is
verified against meta.json (sizes, then sha256) before Annoy opens anything, and anything wrong raises
:class:`IndexLoadError`. :func:`load_index` turns those errors into an :class:`ExactIndex` with a logged reason.
A folder is written once, so a file that changes after it was verified is damage: a loaded index remembers each
file's stat (:func:`verify_mapped` compares it, a few microseconds), and a caller that finds it changed loads again.
"""
from __future__ import annotations

import hashlib
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
from typing import Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_FILE = "index.ann"
IDS_FILE = "ids.npy"
VECTORS_FILE = "vectors.npy"
PCA_FILE = "pca.npz"
META_FILE = "meta.json"
METRICS = ("euclidean", "angular")

# Chosen from bench/ann.py (see docs/benchmarks.md, "Approximate nearest neighbours").
DEFAULT_N_TREES = 10
DEFAULT_PCA_DIMS = 128
DEFAULT_SEARCH_K = 3_000
DEFAULT_OVERFETCH = 10
MAX_RERANK = 2_000  # a large k (the recommender asks for hundreds) is its own over-fetch; cap the exact re-rank
_CHUNK = 8192

Neighbours = list[tuple[int, float]]


class IndexLoadError(Exception):
    """The index folder is missing, incomplete, truncated or corrupt; nothing was handed to Annoy."""


class IndexVersionMismatch(IndexLoadError):
    """The index was built from another model version's vectors than the caller expects."""


@runtime_checkable
class VectorIndex(Protocol):
    """What the recommender needs from an index, whichever implementation answers."""

    ids: np.ndarray
    dim: int
    model_version: str

    def __len__(self) -> int: ...

    def query(
        self, vector: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> Neighbours: ...

    def query_batch(
        self, vectors: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> list[Neighbours]: ...

    def vector(self, item_id: int) -> np.ndarray: ...

    def __contains__(self, item_id: object) -> bool: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit L2 norm. Raises ValueError on a zero or non-finite row."""
    arr = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise ValueError("vectors must be finite and non-zero to be normalised")
    return arr / norms


def as_float32(rows: np.ndarray) -> np.ndarray:
    """``rows`` as a float32 array. float16 rows (how an index stores its vectors) convert through torch: numpy's
    float16 cast is a scalar loop and was most of a query's re-rank, torch's is vectorised (micro-timings in
    docs/benchmarks.md, Web serving); both are exact (every float16 is a float32)."""
    if rows.dtype != np.float16:
        return np.asarray(rows, dtype=np.float32)
    import torch

    if not rows.flags.writeable or not rows.flags.c_contiguous:  # e.g. a view of a read-only memmap
        rows = np.array(rows, order="C")
    return torch.from_numpy(rows).float().numpy()


def _distances(queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Euclidean distances between unit rows, from one matrix product: sqrt(2 - 2 q.c)."""
    sims = queries @ as_float32(candidates).T
    return np.sqrt(np.clip(2.0 - 2.0 * sims, 0.0, 4.0))


class _IdMap:
    """Item id <-> row position, without a Python dict (an index may hold millions of items)."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = np.ascontiguousarray(ids, dtype=np.int64)
        if self.ids.ndim != 1:
            raise ValueError("ids must be one-dimensional")
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        if len(self._sorted) > 1 and np.any(self._sorted[1:] == self._sorted[:-1]):
            dupes = np.unique(self._sorted[1:][self._sorted[1:] == self._sorted[:-1]])
            raise ValueError(f"ids must be unique; repeated: {dupes[:5].tolist()}")

    def position(self, item_id: int) -> int | None:
        i = int(np.searchsorted(self._sorted, item_id))
        if i < len(self._sorted) and self._sorted[i] == item_id:
            return int(self._order[i])
        return None

    def positions(self, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Row positions of many ids at once (one searchsorted); -1 where an id is not held."""
        wanted = np.asarray(item_ids, dtype=np.int64).reshape(-1)
        if not len(self._sorted):
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        return np.where(self._sorted[at] == wanted, self._order[at], -1)


def _gather(vectors: np.ndarray, idmap: _IdMap, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """float32 rows of ``item_ids`` (in that order) with one fancy index, read in ascending row order (kinder to a
    memmap). Raises KeyError naming the first id the index does not hold."""
    positions = idmap.positions(item_ids)
    if len(positions) and positions.min() < 0:
        raise KeyError(int(np.asarray(item_ids, dtype=np.int64).reshape(-1)[int(np.argmin(positions))]))
    if not len(positions):
        return np.zeros((0, vectors.shape[1]), dtype=np.float32)
    order = np.argsort(positions, kind="stable")
    out = np.empty((len(positions), vectors.shape[1]), dtype=np.float32)
    out[order] = as_float32(vectors[positions[order]])
    return out


class _HeldVectors:
    """Membership and vector reads shared by both index kinds: ``ids``, an ``_IdMap`` over them and the rows."""

    ids: np.ndarray
    vectors: np.ndarray
    _idmap: _IdMap

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, (int, np.integer)) and self._idmap.position(int(item_id)) is not None

    def vector(self, item_id: int) -> np.ndarray:
        pos = self._idmap.position(int(item_id))
        if pos is None:
            raise KeyError(item_id)
        return as_float32(self.vectors[pos])

    def vectors_for(self, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """The (normalised, float32) vectors of many items in one read; KeyError for an id not held."""
        return _gather(self.vectors, self._idmap, item_ids)


class ExactIndex(_HeldVectors):
    """Brute-force search with batched matrix products: the reference for recall, and the fallback.

    ``vectors`` may be a memmap; queries walk it in chunks so memory stays bounded.
    """

    kind = "exact"

    def __init__(
        self,
        ids: Sequence[int] | np.ndarray,
        vectors: np.ndarray,
        *,
        model_version: str = "",
        fallback_reason: str = "",
    ) -> None:
        self._idmap = _IdMap(np.asarray(ids))
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(self._idmap.ids):
            raise ValueError(f"vectors must be ({len(self._idmap.ids)}, d); got {vectors.shape}")
        self.ids = self._idmap.ids
        self.vectors = vectors if _is_unit(vectors) else normalise(vectors)
        self.dim = int(vectors.shape[1])
        self.model_version = model_version
        self.fallback_reason = fallback_reason


    def query(
        self, vector: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> Neighbours:
        return self.query_batch(np.asarray(vector)[None, :], k, exclude=exclude)[0]

    def query_batch(
        self, vectors: np.ndarray, k: int, *, search_k: int | None = None, exclude: Collection[int] = ()
    ) -> list[Neighbours]:
        """``search_k`` is accepted for interface parity and ignored: exact search looks at everything."""
        queries = normalise(np.atleast_2d(vectors))
        if queries.shape[1] != self.dim:
            raise ValueError(f"query has {queries.shape[1]} dims; index has {self.dim}")
        excluded = _excluded_positions(self._idmap, exclude)
        want = min(len(self.ids), k + len(excluded))
        if want <= 0:
            return [[] for _ in queries]
        best_d = np.full((len(queries), 0), np.inf, dtype=np.float32)
        best_p = np.zeros((len(queries), 0), dtype=np.int64)
        for start in range(0, len(self.ids), _CHUNK * 4):
            block = self.vectors[start : start + _CHUNK * 4]
            d = _distances(queries, block)
            take = min(want, d.shape[1])
            part = np.argpartition(d, take - 1, axis=1)[:, :take]
            best_d = np.concatenate([best_d, np.take_along_axis(d, part, axis=1)], axis=1)
            best_p = np.concatenate([best_p, part + start], axis=1)
            if best_d.shape[1] > want:
                keep = np.argpartition(best_d, want - 1, axis=1)[:, :want]
                best_d = np.take_along_axis(best_d, keep, axis=1)
                best_p = np.take_along_axis(best_p, keep, axis=1)
        return [_finish(self.ids, p, d, k, excluded) for p, d in zip(best_p, best_d)]


def _is_unit(vectors: np.ndarray) -> bool:
    sample = np.asarray(vectors[: min(len(vectors), 64)], dtype=np.float32)
    return bool(len(sample)) and bool(np.allclose(np.linalg.norm(sample, axis=1), 1.0, atol=1e-2))


def _excluded_positions(idmap: _IdMap, exclude: Collection[int]) -> set[int]:
    positions = (idmap.position(int(i)) for i in exclude)
    return {p for p in positions if p is not None}


def _finish(ids: np.ndarray, positions: np.ndarray, dists: np.ndarray, k: int, excluded: set[int]) -> Neighbours:
    order = np.lexsort((ids[positions], dists))
    out: Neighbours = []
    for j in order:
        pos = int(positions[j])
        if pos in excluded:
            continue
        out.append((int(ids[pos]), float(dists[j])))
        if len(out) == k:
            break
    return out


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


class AnnoyVectorIndex(_HeldVectors):
    """An Annoy forest over (optionally PCA-projected) vectors, with exact re-ranking on the full vectors.

    Build with :meth:`build` (writes a complete folder), open with :meth:`load` (verifies, then mmaps, so web
    processes share pages). Queries fetch ``k * overfetch`` candidates (at most MAX_RERANK unless k itself is larger)
    with ``search_k`` and re-score them exactly.
    """

    kind = "annoy"

    def __init__(
        self, folder: Path, meta: dict, *, search_k: int | None, overfetch: int | None, stamp: tuple | None = None
    ) -> None:
        import annoy

        self.folder = folder
        self.meta = meta
        self.files_stamp = stamp if stamp is not None else files_stamp(folder, meta)
        self.model_version: str = meta["model_version"]
        self.dim: int = int(meta["dim"])
        self.metric: str = meta["metric"]
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
        metric: str = "euclidean",
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
            files = {
                p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in sorted(tmp.iterdir())
            }
            meta = {
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


def read_meta(folder: Path | str) -> dict:
    """The parsed meta.json of an index folder. Raises IndexLoadError when absent, unreadable or of another format."""
    path = Path(folder) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise IndexLoadError(f"{folder}: no {META_FILE} (missing or incomplete index)") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexLoadError(f"{folder}: unreadable {META_FILE}: {exc}") from exc
    required = {"format", "model_version", "dim", "pca_dims", "metric", "n_trees", "count", "files"}
    if not isinstance(meta, dict) or not required <= meta.keys():
        raise IndexLoadError(f"{folder}: {META_FILE} lacks {sorted(required - set(meta or {}))}")
    if meta["format"] != FORMAT_VERSION:
        raise IndexLoadError(f"{folder}: index format {meta['format']}, this code reads {FORMAT_VERSION}")
    if meta["metric"] not in METRICS:
        raise IndexLoadError(f"{folder}: unknown metric {meta['metric']!r}")
    meta.setdefault("search_k", DEFAULT_SEARCH_K)
    meta.setdefault("overfetch", DEFAULT_OVERFETCH)
    return meta


def verify_folder(folder: Path | str, meta: dict, *, checksums: bool = True) -> None:
    """Check every file named in the metadata is present with its recorded size (and sha256). Raises IndexLoadError."""
    folder = Path(folder)
    needed = {INDEX_FILE, IDS_FILE, VECTORS_FILE} | ({PCA_FILE} if meta["pca_dims"] else set())
    if missing_from_meta := needed - meta["files"].keys():
        raise IndexLoadError(f"{folder}: metadata lists no {sorted(missing_from_meta)}")
    for name, expect in meta["files"].items():
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError as exc:
            raise IndexLoadError(f"{folder}: {name} is missing") from exc
        if size != expect["bytes"]:
            raise IndexLoadError(f"{folder}: {name} is {size} bytes, metadata says {expect['bytes']} (truncated?)")
    if checksums:
        for name, expect in meta["files"].items():
            if _sha256(folder / name) != expect["sha256"]:
                raise IndexLoadError(f"{folder}: {name} fails its sha256 check (corrupt)")


def files_stamp(folder: Path | str, meta: dict) -> tuple:
    """Size, inode, mtime and ctime of each file the metadata names (ctime moves on any write, even one whose mtime
    was put back). A missing file stamps as None."""
    out = []
    for name in sorted(meta["files"]):
        try:
            st = os.stat(Path(folder) / name)
        except OSError:
            out.append((name, None))
            continue
        out.append((name, (st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)))
    return tuple(out)


def verify_mapped(index: AnnoyVectorIndex) -> None:
    """Raise IndexLoadError when a file of this loaded index changed, moved or vanished since it was verified:
    Annoy and the vector memmap read the files as they are now, so an in-place write corrupts answers silently."""
    if files_stamp(index.folder, index.meta) != index.files_stamp:
        raise IndexLoadError(f"{index.folder}: files changed on disk after they were verified and mapped")


Fallback = tuple[np.ndarray, np.ndarray] | Callable[[], tuple[np.ndarray, np.ndarray]]


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
