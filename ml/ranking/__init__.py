"""From a wardrobe's vectors to a ranked, filtered, diverse and explained list of items.

The steps of :func:`recommend`, each stated with its maths in the module that owns it:

1. **Profile** (``profile.build_profile``): the wardrobe's mean, or k centroids by seeded k-means when the closet
   spans several styles (k by silhouette), or one centroid per category group when the caller passes each owned
   item's group; likes pull the centroids, dislikes push them.
2. **Noise** (``profile.add_noise``): each centroid moves by Gaussian noise of expected norm ``sigma`` before
   querying, so a refresh shows something new; a seeded generator reproduces a list exactly.
3. **Over-fetch and filter** (``queries.recommend``, ``items.Filters`` / ``items.ItemTable``): ``k * overfetch``
   candidates per centroid, then category, price, size, gender, excluded and owned ids, from item metadata the
   caller passes as a mapping, a callable or an ItemTable (ml/ knows no database).
4. **Near-duplicates** of owned items are dropped; 5. **maximal marginal relevance** picks the list, with an
   ``exploration`` share from further down, each centroid filling its share of the slots (``slot_quotas``: the
   closet's mix, a floor of one); 6. every result names the owned item it is closest to and its cluster.

``similar_to`` ("similar to this") and ``pairs_with`` ("pairs with this", round-robin over ``COMPLEMENTS``) query
around one item; ``complete`` owns "Complete your closet" (the categories a closet lacks, its slots, and the cards
drawn from a pool a caller can cache with the profile). All vectors are L2-normalised; scores are cosine
similarities (higher is better). Every public name is importable from ``ml.ranking`` itself, as before the split
into ``items``, ``profile``, ``queries``, ``complete`` and ``selection`` (MMR, slots and credits).
"""
from __future__ import annotations

from ml.ranking.inspiration import (DEFAULT_INSPIRATION_SHARE, BlendedRecommendations, inspiration_slots,
                                    recommend_with_board)
from ml.ranking.complete import (COMPLETE_POOL, COMPLETE_SLOTS, NOT_SUGGESTED_TO_COMPLETE, complete_closet,
                                 complete_pool, complete_slots, lacking_categories)
from ml.ranking.items import COMPLEMENTS, Filters, ItemInfo, ItemInfoSource, ItemTable
from ml.ranking.profile import Profile, add_noise, build_profile, kmeans, silhouette
from ml.ranking.queries import (PHOTO_IMAGE_LEAD, Recommendation, pairs_for_outfit, pairs_with, recommend, similar_to,
                                similar_to_photo, vectors_of)
from ml.ranking.selection import mmr, mmr_by_quota, slot_quotas

__all__ = [
    "BlendedRecommendations",
    "COMPLEMENTS",
    "COMPLETE_POOL",
    "COMPLETE_SLOTS",
    "DEFAULT_INSPIRATION_SHARE",
    "Filters",
    "ItemInfo",
    "ItemInfoSource",
    "ItemTable",
    "NOT_SUGGESTED_TO_COMPLETE",
    "PHOTO_IMAGE_LEAD",
    "Profile",
    "Recommendation",
    "add_noise",
    "build_profile",
    "complete_closet",
    "complete_pool",
    "complete_slots",
    "inspiration_slots",
    "kmeans",
    "lacking_categories",
    "mmr",
    "mmr_by_quota",
    "pairs_for_outfit",
    "pairs_with",
    "recommend",
    "recommend_with_board",
    "silhouette",
    "similar_to",
    "similar_to_photo",
    "slot_quotas",
    "vectors_of",
]
