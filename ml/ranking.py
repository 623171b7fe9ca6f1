"""From a wardrobe's vectors to a ranked, filtered, diverse and explained list of items.

The steps of :func:`recommend`:

1. **Profile** (:func:`build_profile`): the wardrobe's mean, or k centroids by seeded k-means (k-means++ init) when
   the closet spans several styles; k is chosen by silhouette over k = 2..min(max_clusters, n // 3) and kept at 1
   unless the best silhouette clears ``min_silhouette``. Liked vectors pull every centroid toward their mean,
   disliked ones push it away (``c + alpha * mean(liked) - beta * mean(disliked)``, renormalised).
2. **Noise**: each centroid gets Gaussian noise before querying, so a refresh shows something new. ``sigma`` is the
   expected norm of the noise (per-dimension standard deviation ``sigma / sqrt(d)``), so it means the same at any
   dimension; a seeded ``numpy.random.Generator`` reproduces a list exactly.
3. **Over-fetch** ``k * overfetch`` candidates per centroid, then **filter** (category, price, size, gender, excluded
   ids, owned ids) using item metadata the caller passes as a mapping or callable (ml/ knows no database).
4. **Near-duplicates** of owned items (cosine above ``duplicate_threshold``) are dropped: nobody needs their own
   shirt back.
5. **Maximal marginal relevance** picks the list (``mmr_lambda`` trades relevance against similarity to what is
   already picked), and an ``exploration`` share of slots is filled at random from further down the candidates.
6. Every result names the owned item it is closest to (the "because you own ..." line) and its profile cluster.

All vectors are L2-normalised; scores are cosine similarities (higher is better).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ml.index import VectorIndex, as_float32, normalise

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

    def __post_init__(self) -> None:
        if self.min_price is not None and self.max_price is not None and self.min_price > self.max_price:
            raise ValueError(f"min_price {self.min_price} is above max_price {self.max_price}")

    @property
    def needs_info(self) -> bool:
        return any(
            v is not None for v in (self.categories, self.min_price, self.max_price, self.sizes, self.genders)
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
        if self.sizes is not None and not (info.sizes & self.sizes):
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
    ) -> None:
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        order = np.argsort(ids, kind="stable")
        self.ids = ids[order]
        if len(self.ids) > 1 and np.any(self.ids[1:] == self.ids[:-1]):
            raise ValueError("item ids must be unique")
        self._categories, self._category = _codes(categories, order)
        self._genders, self._gender = _codes(genders, order)
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
            keep &= self._size[rows][:, columns].any(axis=1) if columns else False
        if filters.genders is not None:
            keep &= _wanted(self._genders, filters.genders)[self._gender[rows]]
        return keep


def _codes(values: Sequence[str], order: np.ndarray) -> tuple[list[str], np.ndarray]:
    names = sorted(set(values))
    code = {name: j for j, name in enumerate(names)}
    return names, np.array([code[values[i]] for i in order], dtype=np.int32)


def _wanted(names: list[str], wanted: Collection[str]) -> np.ndarray:
    """A lookup table over codes: ``_wanted(names, wanted)[code]`` says whether that code's name is wanted (one
    gather per candidate list; np.isin sorts)."""
    return np.fromiter((name in wanted for name in names), dtype=bool, count=len(names))


@dataclass(frozen=True)
class Recommendation:
    item_id: int
    score: float  # cosine similarity to the (noisy) profile centroid it was found from
    because_owned_id: int | None  # the owned item it is closest to; None only for queries with no owned item
    cluster: int  # which profile centroid found it (0 when the profile is a single mean)
    explore: bool = False  # filled from further down the list, for discovery


@dataclass(frozen=True)
class Profile:
    centroids: np.ndarray  # (k, d) unit rows: the query vectors before noise
    labels: np.ndarray  # (n_owned,) cluster of each owned item
    weights: np.ndarray  # (k,) share of the owned items in each cluster
    silhouette: float | None = None  # of the chosen clustering; None when k = 1

    @property
    def k(self) -> int:
        return len(self.centroids)


# --- k-means --------------------------------------------------------------------------------------------------


def kmeans(
    x: np.ndarray, k: int, *, rng: np.random.Generator, n_init: int = 4, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding; best of ``n_init`` runs. Returns (centroids, labels, inertia)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}; got {k}")
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    sq = (x * x).sum(axis=1)
    for _ in range(n_init):
        centres = _kmeans_pp(x, k, rng)
        labels = np.full(n, -1)
        for _ in range(max_iter):
            d2 = sq[:, None] - 2 * x @ centres.T + (centres * centres).sum(axis=1)[None, :]
            new = d2.argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = x[labels == j]
                centres[j] = members.mean(axis=0) if len(members) else x[rng.integers(n)]
        inertia = float(np.maximum(d2[np.arange(n), labels], 0).sum())
        if best is None or inertia < best[2]:
            best = (centres.copy(), labels.copy(), inertia)
    assert best is not None
    return best


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [x[rng.integers(len(x))]]
    d2 = ((x - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = rng.choice(len(x), p=d2 / total) if total > 0 else rng.integers(len(x))
        centres.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centres)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient with euclidean distance (on unit vectors, a monotone function of cosine)."""
    x = np.asarray(x, dtype=np.float64)
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return 0.0
    sq = (x * x).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] - 2 * x @ x.T + sq[None, :], 0))
    scores = np.zeros(len(x))
    for i in range(len(x)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue  # a singleton's silhouette is 0 by convention
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, labels == c].mean() for c in clusters if c != labels[i])
        scores[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return float(scores.mean())


def build_profile(
    owned_vectors: np.ndarray,
    *,
    liked_vectors: np.ndarray | None = None,
    disliked_vectors: np.ndarray | None = None,
    like_weight: float = 0.5,
    dislike_weight: float = 0.5,
    max_clusters: int = 5,
    min_silhouette: float = 0.2,
    seed: int = 0,
) -> Profile:
    """The wardrobe's centroids (see the module docstring). With no owned items, the liked items stand in.

    Clustering is seeded separately from the query noise, so a refresh keeps the same profile and only the noise
    differs. Raises ValueError when there is nothing to build from.
    """
    owned = _rows(owned_vectors)
    liked = _rows(liked_vectors)
    disliked = _rows(disliked_vectors)
    base = owned if len(owned) else liked
    if not len(base):
        raise ValueError("a profile needs at least one owned or liked vector")
    base = normalise(base)
    centroids, labels, score = normalise(base.mean(axis=0, keepdims=True)), np.zeros(len(base), dtype=int), None
    top_k = min(max_clusters, len(base) // 3)
    if top_k >= 2:
        rng = np.random.default_rng(seed)
        tries = {k: kmeans(base, k, rng=rng) for k in range(2, top_k + 1)}
        scored = {k: silhouette(base, labels_k) for k, (_, labels_k, _) in tries.items()}
        best_k = max(scored, key=lambda k: (scored[k], -k))
        if scored[best_k] >= min_silhouette:
            centres, labels, _ = tries[best_k]
            centroids, score = normalise(centres), scored[best_k]
    if len(liked) and len(owned):
        centroids = centroids + like_weight * normalise(liked).mean(axis=0)
    if len(disliked):
        centroids = centroids - dislike_weight * normalise(disliked).mean(axis=0)
    weights = np.bincount(labels, minlength=len(centroids)) / len(labels)
    return Profile(centroids=normalise(centroids), labels=labels, weights=weights, silhouette=score)


def _rows(vectors: np.ndarray | Sequence | None) -> np.ndarray:
    if vectors is None:
        return np.zeros((0, 0), dtype=np.float32)
    arr = np.asarray(vectors, dtype=np.float32)
    return arr.reshape(0, 0) if arr.size == 0 else np.atleast_2d(arr)


def add_noise(vectors: np.ndarray, *, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Unit rows plus Gaussian noise of expected norm ``sigma``, renormalised."""
    vectors = np.atleast_2d(vectors)
    if sigma <= 0:
        return normalise(vectors)
    noise = rng.normal(0.0, sigma / np.sqrt(vectors.shape[1]), size=vectors.shape).astype(np.float32)
    return normalise(vectors + noise)


# --- selection ------------------------------------------------------------------------------------------------


def _info_getter(item_info: ItemInfoSource) -> Callable[[int], ItemInfo | None]:
    if item_info is None:
        return lambda _id: None
    if callable(item_info):
        return item_info
    return item_info.get


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, *, mmr_lambda: float) -> list[int]:
    """Greedy maximal marginal relevance: positions maximising ``lambda * rel - (1 - lambda) * max sim to picked``."""
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    sims = vectors @ vectors.T
    picked: list[int] = [int(np.argmax(relevance))]
    closest = sims[picked[0]].copy()
    available = np.ones(n, dtype=bool)
    available[picked[0]] = False
    while len(picked) < min(k, n):
        gain = mmr_lambda * relevance - (1 - mmr_lambda) * closest
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        picked.append(j)
        available[j] = False
        closest = np.maximum(closest, sims[j])
    return picked


def _pool(found: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Candidates gathered over several queries (each an (ids, distances) pair of arrays), each once, in first-seen
    order, with its best relevance and the query (cluster) that found it at that relevance (the first one on a
    tie); last, where each chosen candidate stands in ``found`` concatenated (to pick rows of vectors read
    alongside)."""
    sizes = [len(ids) for ids, _ in found]
    if not sum(sizes):
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros(0, dtype=np.float32), empty, empty
    ids = np.concatenate([np.asarray(i, dtype=np.int64) for i, _ in found])
    dist = np.concatenate([np.asarray(d, dtype=np.float64) for _, d in found])
    cluster = np.repeat(np.arange(len(found), dtype=np.int64), sizes)
    rel = 1.0 - dist * dist / 2.0
    seen = np.arange(len(ids))
    by_item = np.lexsort((seen, -rel, ids))  # per id: best relevance first, earliest on a tie
    first_of_item = np.ones(len(ids), dtype=bool)
    first_of_item[1:] = ids[by_item][1:] != ids[by_item][:-1]
    best = by_item[first_of_item]
    _, first_seen = np.unique(ids, return_index=True)  # aligned with best: both sorted by id
    order = np.argsort(first_seen, kind="stable")
    best = best[order]
    return ids[best], rel[best].astype(np.float32), cluster[best], best


def _as_arrays(neighbours: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    n = len(neighbours)
    return (
        np.fromiter((i for i, _ in neighbours), dtype=np.int64, count=n),
        np.fromiter((d for _, d in neighbours), dtype=np.float64, count=n),
    )


def _allowed(ids: np.ndarray, filters: Filters, item_info: ItemInfoSource) -> np.ndarray:
    if isinstance(item_info, ItemTable):
        return item_info.allowed(ids, filters)
    info = _info_getter(item_info)
    return np.fromiter((filters.allows(int(i), info(int(i))) for i in ids), dtype=bool, count=len(ids))


def _exposes_candidates(index: VectorIndex) -> bool:
    return callable(getattr(index, "candidates", None)) and hasattr(index, "vectors") and hasattr(index, "overfetch")


def _filtered_query_batch(
    index, queries: np.ndarray, k: int, *, search_k: int | None, exclude: Collection[int], filters: Filters,
    table: ItemTable,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """``index.query_batch`` for an ANN index that exposes its candidates (AnnoyVectorIndex), as an (ids, distances)
    pair of arrays per query: the same candidate count, but candidates the filters or ``exclude`` refuse are
    dropped before the exact re-rank, so a strict filter neither pays for re-ranking rows it will throw away nor
    needs as many widening rounds. Also returns the float32 vectors of the neighbours, in order (flattened over the
    queries): reading float16 rows is most of a query's cost, so the caller should not read them twice."""
    excluded = np.fromiter(map(int, exclude), dtype=np.int64, count=len(exclude)) if exclude else None
    n = min(len(index), k * max(1, int(index.overfetch)))
    base_search_k = search_k if search_k is not None else int(getattr(index, "search_k", n))
    out, rows = [], []
    for q in normalise(np.atleast_2d(queries)):
        positions = np.asarray(index.candidates(q, n, search_k=max(base_search_k, n)), dtype=np.int64)
        ids = index.ids[positions]
        keep = table.allowed(ids, filters)
        if excluded is not None:
            keep &= ~np.isin(ids, excluded)
        positions = np.sort(positions[keep])
        vectors = as_float32(index.vectors[positions])
        dist = np.sqrt(np.clip(2.0 - 2.0 * (vectors @ q), 0.0, 4.0))
        order = np.lexsort((index.ids[positions], dist))[:k]
        out.append((index.ids[positions[order]], dist[order]))
        rows.append(vectors[order])
    return out, (np.concatenate(rows) if rows else np.zeros((0, index.dim), dtype=np.float32))


def vectors_of(index: VectorIndex, item_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """The index's vectors of ``item_ids`` as one float32 matrix: one gather when the index offers ``vectors_for``,
    else one ``vector`` call per id."""
    batch = getattr(index, "vectors_for", None)
    if batch is not None:
        return np.asarray(batch(item_ids), dtype=np.float32)
    return np.stack([index.vector(int(i)) for i in item_ids]) if len(item_ids) else np.zeros((0, index.dim), np.float32)


def recommend(
    index: VectorIndex,
    owned_ids: Sequence[int],
    owned_vectors: np.ndarray,
    *,
    k: int = 20,
    item_info: ItemInfoSource = None,
    filters: Filters | None = None,
    sigma: float = 0.05,
    rng: np.random.Generator | None = None,
    liked_vectors: np.ndarray | None = None,
    disliked_vectors: np.ndarray | None = None,
    like_weight: float = 0.5,
    dislike_weight: float = 0.5,
    mmr_lambda: float = 0.7,
    exploration: float = 0.1,
    duplicate_threshold: float = 0.95,
    overfetch: int = 10,
    max_clusters: int = 5,
    max_rounds: int = 4,
    search_k: int | None = None,
    profile: Profile | None = None,
) -> list[Recommendation]:
    """Up to ``k`` items for the owner of ``owned_vectors`` (rows aligned with ``owned_ids``); see the module doc.

    ``owned_ids`` are excluded from the results (when the closet's ids share the index's id space, as for a demo
    wardrobe built from inventory items; garment ids that are not in the index are simply never matched).
    ``rng=None`` draws fresh noise; pass ``np.random.default_rng(seed)`` for a reproducible list. When filters
    leave fewer than ``2 * k`` candidates the fetch grows x4 per round, at most ``max_rounds`` rounds.
    ``profile``: a :func:`build_profile` result computed earlier from the same owned, liked and disliked vectors
    (a caller's cache); the clustering is then skipped and ``liked_vectors``/``disliked_vectors`` are not read.
    An :class:`ItemTable` as ``item_info`` filters the candidates in a few array operations.
    """
    if k <= 0:
        return []
    if not 0.0 <= exploration < 1.0:
        raise ValueError(f"exploration must be in [0, 1); got {exploration}")
    owned = normalise(owned_vectors) if len(_rows(owned_vectors)) else np.zeros((0, index.dim), dtype=np.float32)
    if len(owned) != len(owned_ids):
        raise ValueError(f"{len(owned_ids)} owned ids but {len(owned)} owned vectors")
    rng = rng if rng is not None else np.random.default_rng()
    filters = filters or Filters()
    if profile is None:
        profile = build_profile(
            owned, liked_vectors=liked_vectors, disliked_vectors=disliked_vectors, like_weight=like_weight,
            dislike_weight=dislike_weight, max_clusters=max_clusters,
        )
    queries = add_noise(profile.centroids, sigma=sigma, rng=rng)
    exclude = set(map(int, owned_ids)) | set(filters.exclude_ids)
    fetch = k * max(1, overfetch)
    for _ in range(max(1, max_rounds)):
        found_vectors = None
        if isinstance(item_info, ItemTable) and filters.needs_info and _exposes_candidates(index):
            found, found_vectors = _filtered_query_batch(
                index, queries, min(fetch, len(index)), search_k=search_k, exclude=exclude, filters=filters,
                table=item_info,
            )
        else:
            found = [
                _as_arrays(neighbours)
                for neighbours in index.query_batch(queries, min(fetch, len(index)), search_k=search_k, exclude=exclude)
            ]
        ids, relevance, clusters, where = _pool(found)
        allowed = _allowed(ids, filters, item_info)
        if int(allowed.sum()) >= 2 * k or fetch >= len(index):
            break
        fetch *= 4  # strict filters: widen the search rather than return a short list
    ids, relevance, clusters = ids[allowed], relevance[allowed], clusters[allowed]
    if not len(ids):
        return []
    # Index rows are unit vectors (stored float16, off by < 1e-3): not normalised again, which cost as much as the
    # duplicate check's matrix product.
    vectors = found_vectors[where[allowed]] if found_vectors is not None else vectors_of(index, ids)
    nearest_owned: np.ndarray | None = None
    if len(owned):
        to_owned = vectors @ owned.T
        fresh = to_owned.max(axis=1) <= duplicate_threshold
        ids, relevance, clusters, vectors, to_owned = (
            ids[fresh], relevance[fresh], clusters[fresh], vectors[fresh], to_owned[fresh]
        )
        nearest_owned = np.asarray(owned_ids, dtype=np.int64)[to_owned.argmax(axis=1)] if len(ids) else None
    order = np.argsort(-relevance, kind="stable")
    n_explore = int(round(k * exploration)) if len(ids) > k else 0
    head = order[: max(k, 2 * k)]  # MMR chooses among the best; exploration draws from beyond them
    chosen = [int(head[p]) for p in mmr(relevance[head], vectors[head], k - n_explore, mmr_lambda=mmr_lambda)]
    taken = set(chosen)
    tail = [int(p) for p in order if int(p) not in taken]
    tail = tail[len(tail) // 4 :] if len(tail) > 4 * n_explore else tail  # "further down": skip the near misses
    explored = [int(p) for p in rng.choice(tail, size=min(n_explore, len(tail)), replace=False)] if tail else []
    slots = list(chosen)
    for p in explored:
        slots.insert(int(rng.integers(1, len(slots) + 1)), p)
    return [
        Recommendation(
            item_id=int(ids[p]),
            score=float(relevance[p]),
            because_owned_id=int(nearest_owned[p]) if nearest_owned is not None else None,
            cluster=int(clusters[p]),
            explore=p in explored,
        )
        for p in slots
    ]


def similar_to(
    index: VectorIndex,
    vector: np.ndarray,
    *,
    source_id: int | None = None,
    k: int = 12,
    item_info: ItemInfoSource = None,
    filters: Filters | None = None,
    exclude: Collection[int] = (),
    duplicate_threshold: float | None = 0.99,
    overfetch: int = 5,
    max_rounds: int = 4,
    search_k: int | None = None,
) -> list[Recommendation]:
    """Items most like one item ("similar to this"), filtered, with exact copies (cosine above
    ``duplicate_threshold``) and ``source_id`` itself left out. Each result names ``source_id`` as its reason.
    The fetch grows x4 per round (at most ``max_rounds``) while filters leave fewer than ``k``."""
    filters = filters or Filters()
    info = _info_getter(item_info)
    unit = normalise(np.asarray(vector).reshape(1, -1))[0]
    skip = set(map(int, exclude)) | ({int(source_id)} if source_id is not None else set())
    fetch = k * max(1, overfetch)
    out: list[Recommendation] = []
    for _ in range(max(1, max_rounds)):
        out = []
        for item_id, distance in index.query(unit, min(fetch, len(index)), search_k=search_k, exclude=skip):
            similarity = 1.0 - distance * distance / 2.0
            if duplicate_threshold is not None and similarity > duplicate_threshold:
                continue
            if filters.allows(item_id, info(item_id)):
                out.append(Recommendation(item_id, similarity, source_id, 0))
                if len(out) == k:
                    return out
        if fetch >= len(index):
            break
        fetch *= 4
    return out


def pairs_with(
    index: VectorIndex,
    vector: np.ndarray,
    *,
    category: str,
    item_info: ItemInfoSource,
    source_id: int | None = None,
    k: int = 12,
    complements: Mapping[str, Sequence[str]] = COMPLEMENTS,
    filters: Filters | None = None,
    exclude: Collection[int] = (),
    overfetch: int = 20,
    max_rounds: int = 4,
    search_k: int | None = None,
) -> list[Recommendation]:
    """Items of other categories that go with one item ("pairs with this"), round-robin across the complementary
    categories so a top gets bottoms and shoes, not ten bottoms. Never returns ``category`` itself.

    Style nearness stands in for "goes with": the nearest items of the complementary categories. The nearest items
    overall are mostly of the same category, so the fetch grows (x4 per round, ``max_rounds``) until enough are found.
    A category missing from ``complements`` pairs with every other category.
    """
    info = _info_getter(item_info)
    filters = filters or Filters()
    wanted = set(complements.get(category, ())) if category in complements else None
    unit = normalise(np.asarray(vector).reshape(1, -1))[0]
    skip = set(map(int, exclude)) | ({int(source_id)} if source_id is not None else set())
    by_category: dict[str, list[Recommendation]] = {}
    fetch = k * max(1, overfetch)
    for _ in range(max(1, max_rounds)):
        by_category = {}
        found = index.query(unit, min(fetch, len(index)), search_k=search_k, exclude=skip)
        for item_id, distance in found:
            item = info(item_id)
            if item is None or item.category == category or not item.category:
                continue
            if wanted is not None and item.category not in wanted:
                continue
            if filters.allows(item_id, item):
                rec = Recommendation(item_id, 1.0 - distance * distance / 2.0, source_id, 0)
                by_category.setdefault(item.category, []).append(rec)
        if sum(map(len, by_category.values())) >= k or fetch >= len(index):
            break
        fetch *= 4
    out: list[Recommendation] = []
    queues = sorted(by_category.values(), key=lambda recs: -recs[0].score)
    while len(out) < k and any(queues):
        for queue in queues:
            if queue and len(out) < k:
                out.append(queue.pop(0))
    return out
