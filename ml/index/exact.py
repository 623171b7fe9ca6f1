"""Exact nearest-neighbour search over unit vectors, and what every index kind shares (ids, distances, reads).

Every vector is L2-normalised on the way in (build and query), and every index reports the euclidean distance
between normalised vectors, ``d = sqrt(2 - 2 cos)``: 0 is identical, 2 is opposite, smaller is closer. It comes
from one matrix product (``||q - c||^2 = 2 - 2 q.c`` for unit q and c), clipped at 0 against rounding; a caller who
wants the cosine takes ``1 - d**2 / 2``. Ties in distance go to the smaller item id, so every kind of index (and
every run) returns the same order.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ml.vectors import normalise

_CHUNK = 8192

Neighbours = list[tuple[int, float]]


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

