"""Reads of the shop: the index pointer, the item table and card rows, For you, Find similar and Style this,
feedback. Views, API views, admin and commands import these names from here; the submodules hold the code.

- ``index``: which mapped index serves this request (the pointer, per request) and the inventory stamp.
- ``items``: the per-process item table (filter columns) and card rows, kept beside the index.
- ``for_you``: the personal list.
- ``similar``: matches for a photo, an item or a garment; pairings for a garment ("Style this").
- ``feedback``: a user's likes and hides.
"""
from recommender.selectors.feedback import feedback_by_item, hidden_ids, liked_items
from recommender.selectors.for_you import (
    RecommendationCard,
    RecommendationFilters,
    RecommendationGroup,
    RecommendationPage,
    recommendations_for,
)
from recommender.selectors.more import shown_by_cursor
from recommender.selectors.index import (
    ActiveIndex,
    IndexState,
    current_index,
    current_index_and_stamp,
    forget_loaded_index,
    index_state,
    inventory_stamp,
)
from recommender.selectors.items import CARD_FIELDS, forget_item_info, item_info_for
from recommender.selectors.similar import (
    GarmentMatch,
    ItemMatch,
    Pairings,
    RegionStyling,
    SimilarResult,
    SimilarTimeout,
    pairings_for,
    recommend_for_liked,
    similar_to_image,
    similar_to_item,
    similar_to_region,
)

__all__ = [
    "CARD_FIELDS", "ActiveIndex", "GarmentMatch", "IndexState", "ItemMatch", "Pairings", "RecommendationCard", "RegionStyling",
    "RecommendationFilters", "RecommendationGroup", "RecommendationPage", "SimilarResult", "SimilarTimeout",
    "current_index", "current_index_and_stamp", "feedback_by_item", "forget_item_info", "forget_loaded_index",
    "hidden_ids", "index_state", "inventory_stamp", "item_info_for", "liked_items", "pairings_for",
    "recommend_for_liked", "recommendations_for", "shown_by_cursor", "similar_to_image", "similar_to_item",
    "similar_to_region",
]
