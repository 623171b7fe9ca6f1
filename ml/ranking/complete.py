"""The "Complete your closet" group of a For you list: categories that pair with what the closet holds but that it
has none of (``COMPLEMENTS`` brings this variety, not the noise).

The rule (``lacking_categories``, ``complete_slots``) and the cards: ``complete_closet`` draws them near the closet's
noisy mean from ``complete_pool``, the items of those categories nearest the closet, which depends on the closet,
the filters and the index only, so a caller can keep it with the closet's profile.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from ml.index import ExactIndex, VectorIndex
from ml.ranking.items import COMPLEMENTS, Filters, ItemInfoSource
from ml.ranking.queries import Recommendation, recommend, vectors_of

# Beauty, nightwear and "other" are never suggested to complete a closet.
COMPLETE_SLOTS = 4  # cards of the group in a list of 16 or more (the closet's own part keeps at least 12)
COMPLETE_MIN_OWN = 12
NOT_SUGGESTED_TO_COMPLETE = frozenset({"beauty", "nightwear", "other"})


def lacking_categories(owned: Iterable[str]) -> tuple[str, ...]:
    """Categories that pair with the ``owned`` ones (``COMPLEMENTS``) but that the closet has none of, sorted."""
    have = set(owned)
    wanted = {c for category in have for c in COMPLEMENTS.get(category, ())}
    return tuple(sorted(wanted - have - NOT_SUGGESTED_TO_COMPLETE))


def complete_slots(listed: int, *, reserved: int = 0) -> int:
    """Cards of the "Complete your closet" group in a list of ``listed`` cards of which ``reserved`` go elsewhere
    (the mood board's part): ``COMPLETE_SLOTS`` while the closet's own part keeps ``COMPLETE_MIN_OWN``, fewer
    below, none in a short list."""
    return min(COMPLETE_SLOTS, max(0, listed - reserved - COMPLETE_MIN_OWN))


# "Complete your closet" draws from this many items of the lacking categories nearest to the closet (complete_pool):
# at 4 cards a list and "Show me more" leaving the last list out, a dozen refreshes before it runs short.
COMPLETE_POOL = 64


def complete_pool(
    index: VectorIndex,
    owned_ids: Sequence[int],
    owned_vectors: np.ndarray,
    *,
    lacking: Collection[str],
    item_info: ItemInfoSource,
    filters: Filters | None = None,
    size: int = COMPLETE_POOL,
    overfetch: int = 10,
) -> np.ndarray:
    """The ids of the ``size`` items of the ``lacking`` categories, allowed by ``filters`` (their ``exclude_ids``
    aside), nearest to the closet's mean, no noise: what every "Complete your closet" draw (:func:`complete_closet`)
    picks from. It depends on the closet, the filters and the index only, so a caller can keep it with the closet's
    profile: those categories are rare near a closet (they are the ones it lacks), and finding them again for every
    list took a search widened round by round to hundreds or thousands of candidates, almost as much CPU as the
    closet's own part of the list (docs/benchmarks.md, Web serving)."""
    filters = dataclasses.replace(filters or Filters(), categories=frozenset(lacking), exclude_ids=frozenset())
    nearest = recommend(index, owned_ids, owned_vectors, k=size, item_info=item_info, filters=filters, sigma=0.0,
                        max_clusters=1, exploration=0.0, mmr_lambda=1.0, overfetch=overfetch)
    return np.asarray([r.item_id for r in nearest], dtype=np.int64)


def complete_closet(
    index: VectorIndex,
    owned_ids: Sequence[int],
    owned_vectors: np.ndarray,
    *,
    lacking: Collection[str],
    k: int,
    item_info: ItemInfoSource,
    filters: Filters | None = None,
    sigma: float = 0.05,
    rng: np.random.Generator | None = None,
    pool: np.ndarray | None = None,
    overfetch: int = 10,
) -> list[Recommendation]:
    """The "Complete your closet" cards: ``k`` items of the ``lacking`` categories (:func:`lacking_categories`)
    near the closet's noisy mean, no exploration, each credited to the owned item it is closest to, drawn from
    ``pool`` (:func:`complete_pool`'s, computed here when None) by an exact search over the pool alone; ``filters``
    (their ``exclude_ids`` too: shown, hidden, liked) apply to every draw."""
    if k <= 0 or not lacking:
        return []
    if pool is None:
        pool = complete_pool(index, owned_ids, owned_vectors, lacking=lacking, item_info=item_info, filters=filters,
                             overfetch=overfetch)
    if not len(pool):
        return []
    near = ExactIndex(pool, vectors_of(index, pool), model_version=index.model_version)
    return recommend(near, owned_ids, owned_vectors, k=k, item_info=item_info,
                     filters=dataclasses.replace(filters or Filters(), categories=frozenset(lacking)), sigma=sigma,
                     rng=rng, max_clusters=1, exploration=0.0, overfetch=overfetch)
