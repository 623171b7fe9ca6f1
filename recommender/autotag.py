"""Category and colour suggestions for a closet garment, voted by its nearest labelled inventory items.

The garment edit page pre-fills the fields the owner has not set from these (as a suggestion; nothing is saved until
they submit). It lives in the recommender because it reads the inventory and the index; the wardrobe never imports
the recommender. The garment's stored vector is used as it is: for a fresh upload its text part says little (a file
name or nothing), so the photo decides. The colour is the vote combined with the colour model's reading of the
photo's own pixels, stored by the embedding job (``wardrobe.colour_suggestion``, the one owner of that rule).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ml.autotag import suggest_tags
from ml.vectors import from_blob
from recommender.models import InventoryItem
from recommender.selectors.index import current_index
from wardrobe import taxonomy
from wardrobe.colour_suggestion import combine, opinion_from_json
from wardrobe.models import EmbeddingState, Garment

NEIGHBOURS = 15
_CATEGORY_LABELS = dict(taxonomy.CATEGORY_CHOICES)
_COLOUR_LABELS = dict(taxonomy.COLOUR_CHOICES)


@dataclass(frozen=True)
class FieldSuggestion:
    """A suggested form value, its display label, and the neighbours' weighted vote share for it (0..1]."""

    value: str
    label: str
    confidence: float


@dataclass(frozen=True)
class GarmentSuggestion:
    """A field is None when no neighbour had a usable label for it."""

    category: FieldSuggestion | None
    colour: FieldSuggestion | None


def suggestion_pending(*, garment: Garment) -> bool:
    """True while the garment's photo is still being analysed (a suggestion may come; worth polling)."""
    return garment.embedding_state in (EmbeddingState.PENDING, EmbeddingState.PROCESSING)


def _item_labels(item: InventoryItem) -> dict[str, str]:
    """The neighbour's category and colour in the closet taxonomy; "other" casts no vote (it is the form's default)."""
    if item.master_category or item.sub_category or item.article_type:
        category = taxonomy.category_for(item.master_category, item.sub_category, item.article_type)
    else:
        category = item.category
    colour = taxonomy.colour_for(item.base_colour) if item.base_colour else item.colour
    return {"category": "" if category == taxonomy.OTHER else category, "colour": colour or ""}


def suggest_for_garment(*, garment: Garment, k: int = NEIGHBOURS) -> GarmentSuggestion | None:
    """Vote the garment's category and colour from its ``k`` nearest active inventory items.

    None when there is nothing to vote with: the garment is not ready, its vector is of another model version or
    size than the current index, or there is no index (no embedded inventory). The colour is the site's combined
    suggestion: the vote's and the colour model's opinion stored at embedding (the upload's own rule).
    """
    if garment.embedding_state != EmbeddingState.READY or not garment.embedding:
        return None
    votes = suggest_for_vector(vector=from_blob(garment.embedding), model_version=garment.embedding_version, k=k)
    if votes is None:
        return None
    colour = combine(votes.colour, opinion_from_json(garment.colour_model_guess))
    return replace(votes, colour=_field(colour, _COLOUR_LABELS))


def suggest_for_vector(*, vector: np.ndarray, model_version: str, k: int = NEIGHBOURS) -> GarmentSuggestion | None:
    """The same vote for any vector of ``model_version`` (a region of a photo, say); None without a matching index."""
    index = current_index()
    if index is None or len(index) == 0 or model_version != index.model_version:
        return None
    if vector.shape[0] != index.dim or not np.any(vector):
        return None
    found = index.query(vector, k)
    items = InventoryItem.objects.only(
        "master_category", "sub_category", "article_type", "category", "base_colour", "colour"
    ).in_bulk([i for i, _ in found])
    neighbours = [(items[i], d) for i, d in found if i in items]
    if not neighbours:
        return None
    votes = suggest_tags(
        [_item_labels(item) for item, _ in neighbours],
        [max(0.0, float(d)) for _, d in neighbours],
        fields=("category", "colour"),
    )
    return GarmentSuggestion(
        category=_field(votes.tags.get("category"), _CATEGORY_LABELS),
        colour=_field(votes.tags.get("colour"), _COLOUR_LABELS),
    )


def guesses_for_upload(vector: np.ndarray, model_version: str) -> dict[str, FieldSuggestion | None] | None:
    """The vote the closet's embedding job applies at upload (``wardrobe.upload_tags``, which the recommender
    hands it at start-up): the same vote as the edit form's, for a photo-only vector."""
    suggestion = suggest_for_vector(vector=vector, model_version=model_version)
    return None if suggestion is None else {"category": suggestion.category, "colour": suggestion.colour}


def _field(guess, labels: dict[str, str]) -> FieldSuggestion | None:
    if guess is None or guess.value not in labels:
        return None
    return FieldSuggestion(value=guess.value, label=labels[guess.value], confidence=round(guess.confidence, 3))
