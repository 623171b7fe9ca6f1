"""Find similar, and Style this: matches for a photo, a shop item or a garment, and what goes with a garment.

A photo is embedded in the request (within RECOMMENDER_SIMILAR_BUDGET_SECONDS) and never stored here: keeping it
in the closet is the caller's call to ``wardrobe.services.garment_create`` with the photo normalised here.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import IO

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from ml.index import normalise
from ml.images import Box, crop_to_box
from ml.masks import photo_for_embedding
from ml.outfits import Piece, wanted_slots
from ml.ranking import COMPLEMENTS, Filters, Recommendation, pairs_for_outfit, similar_to, similar_to_photo
from recommender import autotag
from recommender.models import EmbeddingState, Feedback, InventoryItem
from recommender.selectors.feedback import feedback_by_item, hidden_ids
from recommender.selectors.for_you import RecommendationFilters
from recommender.selectors.index import ActiveIndex, current_index
from recommender.closet_traits import closet_gender_filter
from recommender.selectors.items import category_groups, item_info_for, text_neighbours, vector_of
from wardrobe import taxonomy
from wardrobe.embedding import get_encoder
from wardrobe.images import NormalisedImage, normalise_image
from wardrobe.models import Garment
from wardrobe.outfits import OutfitSuggestion, outfit_around

CLOSET_MATCHES = 8  # at most this many of the user's own garments in a find-similar answer


class SimilarTimeout(Exception):
    """Embedding the uploaded photo took longer than RECOMMENDER_SIMILAR_BUDGET_SECONDS."""


@dataclass(frozen=True)
class ItemMatch:
    item: InventoryItem
    score: float


@dataclass(frozen=True)
class GarmentMatch:
    garment: Garment
    score: float


@dataclass
class SimilarResult:
    items: list[ItemMatch]
    garments: list[GarmentMatch]
    added: Garment | None = None  # the upload, when the caller kept it in the closet
    message: str = ""  # why the inventory part is empty, when it is
    region: RegionStyling | None = None  # for a framed region: what it is taken for and how to style it
    # An uploaded query photo, normalised (validated, upright, RGB): its thumbnail is shown back, and a caller that
    # keeps the photo hands it to garment_create as it is, so it is decoded once.
    photo: NormalisedImage | None = None

    @property
    def query_thumbnail(self) -> bytes:
        return self.photo.thumbnail if self.photo is not None else b""

    @property
    def owned_alike(self) -> list[GarmentMatch]:
        """The closet matches close enough to say "you already own something like this"."""
        return [m for m in self.garments if m.score >= OWN_ALIKE]


@dataclass
class Pairings:
    """Style this: what goes with one garment. ``closet`` starts with the outfit ``ml.outfits`` completes around it
    from the closet (``outfit``), then other pieces that pair; ``inventory`` fills the outfit's ``missing`` slots
    first. ``message`` says why there is nothing at all; the part messages why one part is empty."""

    closet: list[GarmentMatch]
    inventory: list[ItemMatch]
    message: str = ""
    outfit: OutfitSuggestion | None = None
    category: str = ""  # what the garment is taken for: its category, or the shop's vote for a garment left "Other"
    missing: list[str] = field(default_factory=list)  # outfit slots the closet has nothing for
    genders: frozenset[str] | None = None  # the shop part's gender filter (None: any)
    closet_message: str = ""
    shop_message: str = ""

    @property
    def category_label(self) -> str:
        return taxonomy.CATEGORY_LABELS.get(self.category, self.category)

    @property
    def missing_labels(self) -> list[str]:
        return [taxonomy.SLOT_LABELS.get(slot, slot).lower() for slot in self.missing]


def recommend_for_liked(
    *, user: AbstractBaseUser, item_ids: Sequence[int], k: int = 10, filters: RecommendationFilters | None = None
) -> dict[int, list[ItemMatch]]:
    """For each liked inventory id, its nearest items (without hidden ones or the other liked ids). Unknown or
    retired ids map to an empty list."""
    index = current_index()
    out: dict[int, list[ItemMatch]] = {int(i): [] for i in item_ids}
    if index is None:
        return out
    feedback = feedback_by_item(user)
    excluded = {i for i, kind in feedback.items() if kind != Feedback.Kind.LIKE} | set(out)
    info = item_info_for(index)
    ml_filters = (filters or RecommendationFilters()).to_ml(exclude_ids=excluded)
    active = set(InventoryItem.objects.filter(pk__in=list(out), is_active=True).values_list("pk", flat=True))
    found: dict[int, list[Recommendation]] = {}
    for item_id in out:
        if item_id in active and item_id in index:
            found[item_id] = similar_to(index, index.vector(item_id), source_id=item_id, k=k, item_info=info, filters=ml_filters)
    items = InventoryItem.objects.defer("embedding").in_bulk({r.item_id for recs in found.values() for r in recs})
    for item_id, recs in found.items():
        out[item_id] = [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]
    return out


def _closet_matches(
    user: AbstractBaseUser, vector: np.ndarray, model_version: str, *, k: int, exclude_pk: int | None = None,
    categories: Iterable[str] | None = None,
) -> list[GarmentMatch]:
    qs = Garment.objects.filter(
        owner=user, archived_at__isnull=True, embedding_state=EmbeddingState.READY, embedding_version=model_version
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if categories is not None:
        qs = qs.filter(category__in=list(categories))
    rows = list(qs.values_list("pk", "embedding"))
    if not rows:
        return []
    matrix = normalise(np.vstack([vector_of(b) for _, b in rows]))
    scores = matrix @ normalise(vector.reshape(1, -1))[0]
    order = np.argsort(-scores)[:k]
    garments = Garment.objects.defer("embedding").in_bulk([rows[i][0] for i in order])
    return [GarmentMatch(garments[rows[i][0]], float(scores[i])) for i in order if rows[i][0] in garments]


def _inventory_similar(
    user: AbstractBaseUser, index: ActiveIndex, vector: np.ndarray, *, k: int, source_id: int | None,
    image_vector: np.ndarray | None = None,
) -> list[ItemMatch]:
    """Shop items like ``vector``. Near-copies are dropped only around a shop item (the same product listed twice);
    for a photo or a closet garment, the shop's copy of it is the best answer ("where do I buy this?"). For a photo
    (``image_vector``: the photo without borrowed text) its nearest items by the image alone lead the list
    (``ml.ranking.similar_to_photo``)."""
    options = {"item_info": item_info_for(index), "filters": Filters(exclude_ids=frozenset(hidden_ids(user))),
               **({} if source_id is not None else {"duplicate_threshold": None})}
    if image_vector is not None:
        recs = similar_to_photo(index, vector, image_vector, k=k, **options)
    else:
        recs = similar_to(index, vector, source_id=source_id, k=k, **options)
    items = InventoryItem.objects.defer("embedding").in_bulk([r.item_id for r in recs])
    return [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]


_embed_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="similar-embed")




def _embed_query(data: bytes, box: Box | None = None) -> tuple[np.ndarray, str]:
    """The photo's image vector, of its garment cut out on white unless it is already on white (as the embedding job
    does for closet photos: ``ml.masks.photo_for_embedding``), inside the caller's time budget. ``box``: only that
    region of the photo (one garment of a look that shows several)."""
    if box is not None:
        data = crop_to_box(data, box)
    encoder = get_encoder()
    return np.asarray(encoder.embed_images_only([photo_for_embedding(data)])[0], dtype=np.float32), encoder.version


def _embed_within_budget(data: bytes, box: Box | None) -> tuple[np.ndarray, str]:
    future = _embed_pool.submit(_embed_query, data, box)
    try:
        return future.result(timeout=settings.RECOMMENDER_SIMILAR_BUDGET_SECONDS)
    except FutureTimeout:
        future.cancel()
        raise SimilarTimeout(
            "Analysing the photo took too long; the site is busy. Please try again in a moment."
        ) from None


def _with_borrowed_text(vector: np.ndarray, version: str) -> np.ndarray:
    """A photo's query vector completed with the text block its nearest shop items share (a photo has no name;
    ``ItemEncoder.with_borrowed_text``); unchanged when no index of the photo's model version is there."""
    index = current_index()
    if index is None or not len(index) or index.model_version != version:
        return vector
    return get_encoder().with_borrowed_text(vector, text_neighbours(index, vector))


def similar_to_image(*, user: AbstractBaseUser, image: IO[bytes], k: int = 12, box: Box | None = None) -> SimilarResult:
    """Top matches for an uploaded photo, from the inventory and from the user's closet.

    The photo goes through the closet's upload validation (same limits, same messages: raises ImageRejected) and
    is embedded in this request within RECOMMENDER_SIMILAR_BUDGET_SECONDS (else SimilarTimeout), its text block
    borrowed from its nearest shop items. ``box``: search only that region (the user framed one garment). Nothing is
    written: ``result.photo`` is the normalised photo, for the caller that keeps it
    (``garment_create(..., normalised=result.photo)``).
    """
    normalised = normalise_image(image, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS)
    photo_vector, version = _embed_within_budget(normalised.full, box)
    vector = _with_borrowed_text(photo_vector, version)
    result = _similar_result(user, vector, version, k=k, image_vector=photo_vector)
    result.photo = normalised
    result.region = _region_styling(user, vector, version) if box is not None else None
    return result


def similar_to_region(
    *, user: AbstractBaseUser, photo: bytes, box: Box, k: int = 12, exclude_garment: int | None = None
) -> SimilarResult:
    """Matches for a region of a stored photo the user can see (a mood-board photo, a closet photo): similar shop
    items, what they already own like it, and what they own to style it with (``result.region``). Embedded in the
    request within the find-similar budget (else SimilarTimeout)."""
    photo_vector, version = _embed_within_budget(photo, box)
    vector = _with_borrowed_text(photo_vector, version)
    result = _similar_result(user, vector, version, k=k, exclude_garment=exclude_garment, image_vector=photo_vector)
    result.region = _region_styling(user, vector, version)
    return result


OWN_ALIKE = 0.8  # cosine from which a closet garment counts as "something like this" you already own


@dataclass
class RegionStyling:
    """What the framed garment is taken for (the shop's vote), and the user's own pieces that go with it."""

    category: str
    category_label: str
    colour: str
    outfit: OutfitSuggestion | None
    message: str = ""


def _region_styling(user: AbstractBaseUser, vector: np.ndarray, version: str) -> RegionStyling:
    """The region as an outfit anchor (its category and colour voted by its nearest shop items, its vector for the
    style term) completed from the user's closet by ``ml.outfits.complete_outfit``."""
    guess = autotag.suggest_for_vector(vector=vector, model_version=version)
    category = guess.category.value if guess is not None and guess.category is not None else taxonomy.OTHER
    colour = guess.colour.value if guess is not None and guess.colour is not None else ""
    anchor = Piece(
        id=-1, name="this", slot=taxonomy.slot_for(category), colour=colour, vector=vector,
        one_piece=category == taxonomy.DRESSES,
    )
    outfit = outfit_around(user=user, anchor=anchor)
    styling = RegionStyling(
        category=category, category_label=taxonomy.CATEGORY_LABELS.get(category, category), colour=colour, outfit=outfit,
    )
    if outfit is None:
        styling.message = "Nothing in your closet goes with it yet: add the pieces you wear with it."
    return styling


def _similar_result(
    user: AbstractBaseUser, vector: np.ndarray, version: str, *, k: int, source_id: int | None = None, exclude_garment: int | None = None,
    image_vector: np.ndarray | None = None,
) -> SimilarResult:
    closet = _closet_matches(user, vector, version, k=min(k, CLOSET_MATCHES), exclude_pk=exclude_garment)
    result = SimilarResult(items=[], garments=closet)
    index = current_index()
    if index is None or len(index) == 0:
        result.message = "The shop has no analysed items yet."
    elif index.model_version != version:
        result.message = "The shop's items were analysed with another model version; matches return after re-indexing."
    else:
        result.items = _inventory_similar(user, index, vector, k=k, source_id=source_id, image_vector=image_vector)
    return result


def similar_to_item(
    *, user: AbstractBaseUser, item_id: int | None = None, garment_id: int | None = None, k: int = 12
) -> SimilarResult:
    """Matches for one inventory item or one of the user's own garments (another user's garment: DoesNotExist)."""
    if (item_id is None) == (garment_id is None):
        raise ValueError("give exactly one of item_id and garment_id")
    if garment_id is not None:
        garment = Garment.objects.get(owner=user, pk=garment_id)
        if garment.embedding_state != EmbeddingState.READY:
            return SimilarResult(items=[], garments=[], message="This garment is still being analysed.")
        return _similar_result(user, vector_of(garment.embedding), garment.embedding_version, k=k, exclude_garment=garment.pk)
    item = InventoryItem.objects.get(pk=item_id, is_active=True)
    if item.embedding_state != EmbeddingState.READY:
        return SimilarResult(items=[], garments=[], message="This item is still being analysed.")
    return _similar_result(user, vector_of(item.embedding), item.embedding_version, k=k, source_id=item.pk)


# --- style this item ---------------------------------------------------------------------------------------------


# Categories Style this never offers with clothes ("lipstick for a sari"): not part of an outfit.
NOT_WORN_WITH = frozenset({taxonomy.BEAUTY, taxonomy.NIGHTWEAR})
PAIR_DUPLICATE = 0.95  # a shop item this close to a garment the user owns is that garment again, not a pairing


def pairings_for(*, garment: Garment, k: int = 12) -> Pairings:
    """What goes with ``garment``: an outfit from the owner's closet around it (``ml.outfits.complete_outfit``),
    then shop items, the outfit's missing slots first. Never the garment's own category, never beauty or nightwear
    with clothes, never a shop item made only for the other gender (the closet's gender, as For you reads it), never a
    near-copy of something the user owns. A garment left "Other" is paired as the category its nearest shop items
    have."""
    if garment.embedding_state != EmbeddingState.READY:
        return Pairings(closet=[], inventory=[], message="This garment is still being analysed; come back in a moment.")
    user = garment.owner
    vector = vector_of(garment.embedding)
    index = current_index()
    usable_index = index is not None and len(index) > 0 and index.model_version == garment.embedding_version
    info = item_info_for(index) if usable_index else None
    ready = list(Garment.objects.filter(
        owner=user, archived_at__isnull=True, embedding_state=EmbeddingState.READY,
        embedding_version=garment.embedding_version,
    ).values_list("pk", "category", "embedding"))
    owned = normalise(np.vstack([vector_of(b) for _, _, b in ready])) if ready else np.zeros((0, len(vector)), np.float32)
    categories = {pk: c for pk, c, _ in ready}
    if usable_index and info is not None and ready:
        read = category_groups(index, info, [c for _, c, _ in ready], owned)
        categories = {pk: c for (pk, _, _), c in zip(ready, read)}
    category = categories.get(garment.pk, garment.category)
    wanted = [c for c in COMPLEMENTS.get(category, taxonomy.CATEGORIES) if c != category and c not in NOT_WORN_WITH]

    anchor = Piece(id=garment.pk, name=garment.name, slot=taxonomy.slot_for(category), colour=garment.colour,
                   season=garment.season, vector=vector, one_piece=category == taxonomy.DRESSES)
    outfit = outfit_around(user=user, anchor=anchor, categories=categories)
    in_outfit = {p.garment.pk for p in outfit.picks} if outfit is not None else set()
    others = [m for m in _closet_matches(user, vector, garment.embedding_version, k=k * 4, exclude_pk=garment.pk)
              if categories.get(m.garment.pk, m.garment.category) in wanted and m.garment.pk not in in_outfit]
    scores = {m.garment.pk: m.score for m in others}
    first = [GarmentMatch(p.garment, scores.get(p.garment.pk, float(_cosine(vector, p.garment))))
             for p in (outfit.picks if outfit is not None else [])]
    closet = first + _round_robin(others, key=lambda m: categories.get(m.garment.pk, m.garment.category),
                                  k=max(0, k - len(first)))
    owned_slots = {taxonomy.slot_for(c) for pk, c in categories.items() if pk != garment.pk}
    missing = [slot for slot in wanted_slots(anchor, garment.season) if slot not in owned_slots]
    pairings = Pairings(closet=closet, inventory=[], outfit=outfit, category=category, missing=missing)
    if not closet:
        pairings.closet_message = "Nothing in your closet goes with it yet."
    if index is None or len(index) == 0:
        pairings.shop_message = "The shop has no analysed items yet."
        return pairings
    if not usable_index:
        pairings.shop_message = ("The shop's items were analysed with another model version; suggestions return after "
                                 "re-indexing.")
        return pairings
    pairings.genders = closet_gender_filter(user=user, index=index)
    recs = pairs_for_outfit(
        index, vector, category=category, wanted=wanted, item_info=info, owned_vectors=owned, k=k,
        first=[c for c in wanted if taxonomy.slot_for(c) in missing],
        filters=Filters(genders=pairings.genders, exclude_ids=frozenset(hidden_ids(user))),
        duplicate_threshold=PAIR_DUPLICATE,
    )
    items = InventoryItem.objects.defer("embedding").in_bulk([r.item_id for r in recs])
    pairings.inventory = [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]
    if not pairings.inventory:
        pairings.shop_message = "No shop item goes with it right now" + (
            f" for {', '.join(sorted(pairings.genders))}." if pairings.genders else ".")
    return pairings


def _cosine(vector: np.ndarray, garment: Garment) -> float:
    other = vector_of(garment.embedding) if garment.embedding else None
    if other is None or len(other) != len(vector):
        return 0.0
    return float(normalise(vector.reshape(1, -1))[0] @ normalise(other.reshape(1, -1))[0])


def _round_robin(matches: list, *, key, k: int) -> list:
    queues: dict[str, list] = {}
    for match in matches:
        queues.setdefault(key(match), []).append(match)
    out: list = []
    while len(out) < k and any(queues.values()):
        for queue in queues.values():
            if queue and len(out) < k:
                out.append(queue.pop(0))
    return out
