"""From profile centroids to a ranked, filtered, diverse and explained list: ``recommend``, ``similar_to``, ``pairs_with``.

Relevance is the cosine to the (noisy) centroid that found an item, ``1 - d**2 / 2`` from the index's distance.
``recommend`` over-fetches ``k * overfetch`` candidates per centroid (x4 per round while the filters leave fewer than
``2 * k``), drops near-duplicates of owned items (cosine above ``duplicate_threshold``: nobody needs their own shirt
back), then picks by maximal marginal relevance, greedily maximising ``lambda * rel - (1 - lambda) * max cos to the
picked``, among the best ``2 k``; an ``exploration`` share of the slots is drawn at random from further down (past
the first quarter of the rest) and inserted at random places. Every result names the owned item it is closest to
(the "because you own ..." line) and its centroid.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from ml.index import VectorIndex, as_float32
from ml.ranking.items import COMPLEMENTS, Filters, ItemInfoSource, ItemTable, _allowed, _info_getter
from ml.ranking.profile import Profile, _rows, add_noise, build_profile
from ml.ranking.selection import credit_owned, mmr, mmr_by_quota, slot_quotas
from ml.vectors import normalise

T = TypeVar("T")


@dataclass(frozen=True)
class Recommendation:
    item_id: int
    score: float  # cosine similarity to the (noisy) profile centroid it was found from
    because_owned_id: int | None  # the owned item it is closest to; None only for queries with no owned item
    cluster: int  # which profile centroid found it (0 when the profile is a single mean)
    explore: bool = False  # filled from further down the list, for discovery


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


def _exposes_candidates(index: VectorIndex) -> bool:
    return callable(getattr(index, "candidates", None)) and hasattr(index, "vectors") and hasattr(index, "overfetch")


def _filtered_query_batch(
    index: Any, queries: np.ndarray, k: int, *, search_k: int | None, exclude: Collection[int], filters: Filters,
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


def _candidates(
    index: Any, queries: np.ndarray, sizes: Sequence[int], *, search_k: int | None, exclude: Collection[int],
    filters: Filters, item_info: ItemTable | None,
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray | None]:
    """Candidates of each query (``sizes[i]`` for query i) as (ids, distances) arrays, and, on the filtered ANN path
    (``item_info`` given), their float32 vectors in order. Queries of one size go in one batch."""
    found: list[tuple[np.ndarray, np.ndarray]] = []
    rows: list[np.ndarray] = []
    start = 0
    while start < len(queries):
        end = start + 1
        while end < len(queries) and sizes[end] == sizes[start]:
            end += 1
        batch = queries[start:end]
        if item_info is not None:
            part, vectors = _filtered_query_batch(index, batch, sizes[start], search_k=search_k, exclude=exclude,
                                                  filters=filters, table=item_info)
            rows.append(vectors)
        else:
            part = [_as_arrays(n) for n in index.query_batch(batch, sizes[start], search_k=search_k, exclude=exclude)]
        found += part
        start = end
    return found, (np.concatenate(rows) if item_info is not None and rows else None)


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
    max_credit_share: float = 0.25,
    min_slots: int = 1,
    centroid_slots: bool = True,
) -> list[Recommendation]:
    """Up to ``k`` items for the owner of ``owned_vectors`` (rows aligned with ``owned_ids``); see the module doc.

    ``owned_ids`` are excluded from the results (when the closet's ids share the index's id space, as for a demo
    wardrobe built from inventory items; garment ids that are not in the index are simply never matched).
    ``rng=None`` draws fresh noise; pass ``np.random.default_rng(seed)`` for a reproducible list. When filters
    leave fewer than ``2 * k`` candidates the fetch grows x4 per round, at most ``max_rounds`` rounds.
    ``profile``: a :func:`build_profile` result computed earlier from the same owned, liked and disliked vectors
    (a caller's cache); the clustering is then skipped and ``liked_vectors``/``disliked_vectors`` are not read.
    An :class:`ItemTable` as ``item_info`` filters the candidates in a few array operations.
    ``max_credit_share``: no owned item is named as the reason for more than this share of the list (at least one
    card each); the rest are re-credited to their next-nearest owned item (see :func:`credit_owned`).
    Slots: each centroid of the profile gets its share of the list (``profile.weights``, at least ``min_slots``,
    :func:`slot_quotas`), so a closet of shoes, tops and a bag is answered with some of each, not twenty tops.
    ``centroid_slots=False`` lets the centroids compete on relevance alone (the behaviour before slots).
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
    # With slots, each centroid fetches its share of the candidates (at least 2 * overfetch), so a closet of five
    # categories re-ranks about one list's worth, not five.
    planned = (slot_quotas(profile.weights, k - int(round(k * exploration)), floor=min_slots)
               if centroid_slots and profile.k > 1 else None)
    table = item_info if isinstance(item_info, ItemTable) and filters.needs_info and _exposes_candidates(index) else None
    for _ in range(max(1, max_rounds)):
        if planned is None:
            sizes = [min(fetch, len(index))] * len(queries)
        else:
            sizes = [min(len(index), max(2 * max(1, overfetch), -(-fetch * max(1, int(q)) // max(1, k))))
                     for q in planned]
        found, found_vectors = _candidates(index, queries, sizes, search_k=search_k, exclude=exclude,
                                           filters=filters, item_info=table)
        ids, relevance, clusters, where = _pool(found)
        # The filtered path (``table``) returned only candidates the filters allow: not checked twice.
        allowed = np.ones(len(ids), dtype=bool) if table is not None else _allowed(ids, filters, item_info)
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
    to_owned = np.zeros((len(ids), 0), dtype=np.float32)
    if len(owned):
        to_owned = vectors @ owned.T
        fresh = to_owned.max(axis=1) <= duplicate_threshold
        ids, relevance, clusters, vectors, to_owned = (
            ids[fresh], relevance[fresh], clusters[fresh], vectors[fresh], to_owned[fresh]
        )
        nearest_owned = np.asarray(owned_ids, dtype=np.int64)[to_owned.argmax(axis=1)] if len(ids) else None
    order = np.argsort(-relevance, kind="stable")
    n_explore = int(round(k * exploration)) if len(ids) > k else 0
    if centroid_slots:
        quotas, slot_of = slot_quotas(profile.weights, k - n_explore, floor=min_slots), clusters
    else:
        quotas, slot_of = np.array([k - n_explore]), np.zeros(len(clusters), dtype=np.int64)
    # MMR chooses among the best (per centroid: twice its quota); exploration draws from beyond them.
    if len(quotas) > 1:
        in_head = np.zeros(len(order), dtype=bool)
        for c, quota in enumerate(quotas):
            in_head[np.flatnonzero(slot_of[order] == c)[: 2 * int(quota)]] = True
        head = order[in_head]
    else:
        head = order[: 2 * k]
    chosen = [int(head[p]) for p in mmr_by_quota(relevance[head], vectors[head], slot_of[head], quotas,
                                                  mmr_lambda=mmr_lambda)]
    taken = set(chosen)
    tail = [int(p) for p in order if int(p) not in taken]
    tail = tail[len(tail) // 4 :] if len(tail) > 4 * n_explore else tail  # "further down": skip the near misses
    explored = [int(p) for p in rng.choice(tail, size=min(n_explore, len(tail)), replace=False)] if tail else []
    slots = list(chosen)
    for p in explored:
        slots.insert(int(rng.integers(1, len(slots) + 1)), p)
    if nearest_owned is not None:
        cap = max(1, int(max_credit_share * k))
        credited = credit_owned(to_owned[slots], cap=cap)
        nearest_owned = nearest_owned.copy()
        nearest_owned[slots] = np.asarray(owned_ids, dtype=np.int64)[credited]
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


# Find similar for a photo: this many of its nearest shop items by the image alone lead the list, the photo's own
# product when the shop has it ("where do I buy this?"), before the ranking with borrowed text. Chosen on the
# evaluation's seed 7 (docs/evaluation.md: a home photo's own product in the top 12 0.784 -> 0.806, type P@10 -0.001).
PHOTO_IMAGE_LEAD = 2


def similar_to_photo(
    index: VectorIndex,
    vector: np.ndarray,
    image_vector: np.ndarray,
    *,
    k: int = 12,
    image_lead: int = PHOTO_IMAGE_LEAD,
    item_info: ItemInfoSource = None,
    filters: Filters | None = None,
    **options: Any,
) -> list[Recommendation]:
    """Find similar for a photo without a name. ``vector``: its item vector with text borrowed from its shop
    neighbours; ``image_vector``: the same photo with no text block (image similarity alone). The first
    ``image_lead`` results are the nearest by the image alone, the rest :func:`similar_to` by ``vector``, each item
    once; ``options`` go to both queries (``duplicate_threshold``, ``exclude``, ...)."""
    lead = (similar_to(index, image_vector, k=min(image_lead, k), item_info=item_info, filters=filters, **options)
            if image_lead > 0 else [])
    rest = similar_to(index, vector, k=k + len(lead), item_info=item_info, filters=filters, **options)
    return lead_first(lead, rest, k=k, key=lambda r: r.item_id)


def lead_first(lead: Sequence[T], rest: Sequence[T], *, k: int, key: Callable[[T], int]) -> list[T]:
    """``lead``, then ``rest`` without the items already led (``key``: an entry's item id), at most ``k``: how
    :func:`similar_to_photo` joins its two queries (the evaluation's batched find similar joins them the same way)."""
    led = {key(r) for r in lead}
    return (list(lead) + [r for r in rest if key(r) not in led])[:k]


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


def pairs_for_outfit(
    index: VectorIndex,
    vector: np.ndarray,
    *,
    category: str,
    wanted: Sequence[str],
    item_info: ItemInfoSource,
    owned_vectors: np.ndarray | None = None,
    first: Collection[str] = (),
    k: int = 12,
    filters: Filters | None = None,
    duplicate_threshold: float = 0.95,
) -> list[Recommendation]:
    """Shop items that complete an outfit around one garment ("Style this"): :func:`pairs_with` over the ``wanted``
    categories only, without any item within ``duplicate_threshold`` cosine of an ``owned_vectors`` row (the user
    has it already), the ``first`` categories (those the closet has nothing for) ahead of the rest."""
    recs = pairs_with(index, vector, category=category, item_info=item_info, k=k * 3,
                      complements={category: tuple(c for c in wanted if c != category)}, filters=filters)
    owned = _rows(owned_vectors)
    if recs and len(owned):
        near_owned = (vectors_of(index, [r.item_id for r in recs]) @ normalise(owned).T).max(axis=1)
        recs = [r for r, cos in zip(recs, near_owned) if cos <= duplicate_threshold]
    if first:
        info = _info_getter(item_info)
        recs.sort(key=lambda r: getattr(info(r.item_id), "category", "") not in first)  # stable
    return recs[:k]
