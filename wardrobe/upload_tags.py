"""Tags applied when a photo is uploaded: the embedding job fills in the category and colour the owner left unset
from the photo's nearest labelled shop items, marked as suggested until the owner saves them; a guess too unsure to
apply is kept as an offer the page shows ("Looks like: Shirt? Use it"), never pre-selected.

Only category and colour: a garment has no gender or occasion of its own (the closet's gender is read from its
photos' vectors by ``recommender.closet_traits``, and occasions belong to outfits).

The vote needs the shop's index, and the closet never imports the shop: the recommender hands its vote in
(``set_suggester``, from its ``AppConfig.ready``). Without one (no recommender, no index yet, vectors of another
model version) nothing is applied and nothing is recorded, so the next embedding of the garment tries again; once a
vote has run (``tags_suggested_at``) it never runs again for that garment, so a tag the owner removed stays removed.

Which vector votes, and which one is stored. The vote reads the photo alone (the image block, text block zero):
a fresh upload's text is only its file name and "Other", and measured on the mini set the photo alone votes the
category right more often (82.9% top-1 against 80.6% with the upload's text; docs/evaluation.md, "Tags at upload").
The colour is not the vote alone: the job hands in the colour model's reading of the photo's own pixels, and
``wardrobe.colour_suggestion.combine`` (the one owner of that rule) makes the colour applied or offered from both.

Once tags are applied the garment's text has changed, so its text block is embedded again from the final name,
brand, category and colour (one sentence through the text model; the photo is not read twice) and blended with the
same image block: the stored vector is then exactly what embedding the edited garment would store.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from django.db import transaction
from django.utils import timezone

from wardrobe import taxonomy
from wardrobe.colour_suggestion import ColourOpinion, combine
from wardrobe.models import EmbeddingState, Garment

if TYPE_CHECKING:
    from ml.encoders import ItemEncoder

logger = logging.getLogger(__name__)

# A vote is applied when its neighbours' weighted share reaches this; below it, it is only offered. Measured with
# bench/upload_tags.py on the 300 photos of the mini set, leave one out, the photo alone voting (docs/evaluation.md):
# category applied to 64% of uploads and right 94.8% of the time at 0.7 (0.6: 73%, 91.3%; 0.5: 82%, 88.6%; 0.8:
# 59%, 95.5%), so 0.7 keeps applied tags right well above 90% while most uploads get one. The vote's colour alone
# never reaches it there (top-1 32%); combined with the colour model (wardrobe.colour_suggestion, bench/upload_tags.py
# --colour) it is right 54% of the time and applied to 12% of uploads, right 92% of those.
APPLY_AT = 0.7
FIELDS = ("category", "colour")
_UNSET = {"category": taxonomy.OTHER, "colour": ""}  # what a field holds when the owner said nothing
MARK_FIELDS = ("suggested_fields", "tag_offers")  # what claim_fields reads and changes
_FIELD_LABELS = {"category": "Category", "colour": "Colour"}
_VALUE_LABELS = {"category": dict(taxonomy.CATEGORY_CHOICES), "colour": dict(taxonomy.COLOUR_CHOICES)}


class Guess(Protocol):
    """One field's vote: the winning value and its weighted share (0..1]."""

    value: str
    confidence: float


# (photo-only vector, model version) -> a guess per field (None: no label for it), or None when it cannot vote.
Suggester = Callable[[np.ndarray, str], Mapping[str, "Guess | None"] | None]

_suggester: Suggester | None = None


def set_suggester(suggester: Suggester | None) -> None:
    """Install the vote the embedding job asks (the recommender's, at start-up); None removes it."""
    global _suggester
    _suggester = suggester


def apply_upload_tags(
    garment: object, vector: np.ndarray, encoder: ItemEncoder, *, text_of: Callable[[Garment], str],
    colour: ColourOpinion | None = None,
) -> np.ndarray:
    """Called by the embedding job between embedding and storing: vote the tags of a garment from its photo, apply
    the confident ones to the fields its owner left unset, record them and the offers, and return the vector to
    store (its text block re-embedded with ``text_of`` when a tag was applied). ``colour``: the colour model's
    opinion of the photo, combined with the vote's colour.

    Anything but a garment, a garment already voted on, or no vote: ``vector`` unchanged. The vote runs outside any
    row lock (it may map the index); the apply re-reads the locked row and does nothing unless the job still owns
    it, so an edit made meanwhile wins. A failing vote is logged and skipped: tags are a convenience, the vector
    is not.
    """
    if not isinstance(garment, Garment) or garment.tags_suggested_at is not None or _suggester is None:
        return vector
    image = encoder.split(vector)[0]
    try:
        guesses = _suggester(encoder.layout.photo_only(image)[0], encoder.version)
    except Exception:  # noqa: BLE001 - see the docstring: the garment is still embedded
        logger.warning("garment %s: tag suggestions failed, none applied", garment.pk, exc_info=True)
        return vector
    if guesses is None:
        return vector
    guesses = {**guesses, "colour": combine(guesses.get("colour"), colour)}
    with transaction.atomic():
        row = Garment.objects.select_for_update().filter(pk=garment.pk).first()
        if row is None or row.embedding_state != EmbeddingState.PROCESSING or row.tags_suggested_at is not None:
            return vector
        applied = _apply(row, guesses)
    if not applied:
        return vector
    return encoder.combine(image, encoder.text.embed([text_of(row)]))[0]


def _apply(row: Garment, guesses: Mapping[str, Guess | None]) -> list[str]:
    applied: list[str] = []
    offers: dict[str, dict[str, object]] = {}
    for name in FIELDS:
        guess = guesses.get(name)
        if guess is None or guess.value not in _VALUE_LABELS[name] or getattr(row, name) != _UNSET[name]:
            continue  # no vote, or the owner's own value: never overwritten
        if guess.confidence >= APPLY_AT:
            setattr(row, name, guess.value)
            applied.append(name)
        else:
            offers[name] = {"value": guess.value, "confidence": round(float(guess.confidence), 3)}
    row.suggested_fields = applied
    row.tag_offers = offers
    row.tags_suggested_at = timezone.now()
    row.save(update_fields=[*applied, "suggested_fields", "tag_offers", "tags_suggested_at", "updated_at"])
    return applied


def claim_fields(garment: Garment, fields: Iterable[str], *, stored: Mapping[str, object] | None = None) -> list[str]:
    """The owner saved ``fields`` (kept or changed): they are the owner's own now, no longer suggested or offered.
    Changes ``garment`` in memory and returns the names of the model fields to save (none when nothing changed).
    ``stored``: the row's current MARK_FIELDS, when the caller read them under its lock (fresher than ``garment``)."""
    if stored is not None:
        for name in MARK_FIELDS:
            setattr(garment, name, stored[name])
    saved = set(fields)
    suggested = [f for f in garment.suggested_fields if f not in saved]
    offers = {f: o for f, o in garment.tag_offers.items() if f not in saved}
    changed = []
    if suggested != garment.suggested_fields:
        garment.suggested_fields = suggested
        changed.append("suggested_fields")
    if offers != garment.tag_offers:
        garment.tag_offers = offers
        changed.append("tag_offers")
    return changed


@dataclass(frozen=True)
class Offer:
    """A guess shown beside a field, not applied: "Looks like: Shirt? Use it"."""

    field: str
    field_label: str
    value: str
    label: str
    confidence: float


def offers_of(garment: Garment) -> list[Offer]:
    """The garment's offers still worth showing (the field still unset), in form order, for its pages."""
    out = []
    for name in FIELDS:
        offer = garment.tag_offers.get(name)
        if not isinstance(offer, dict) or getattr(garment, name) != _UNSET[name]:
            continue
        value = str(offer.get("value", ""))
        if value in _VALUE_LABELS[name]:
            out.append(Offer(name, _FIELD_LABELS[name], value, _VALUE_LABELS[name][value], float(offer.get("confidence", 0))))
    return out


def offer_value(garment: Garment, field: str) -> str | None:
    """The value the owner may take with "Use it" for ``field``, or None when there is no such offer (any more)."""
    return next((o.value for o in offers_of(garment) if o.field == field), None)
