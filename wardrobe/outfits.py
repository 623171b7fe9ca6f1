"""Outfits: writes (create, update, delete, with their cover collage) and reads (list, get, suggestions).

Every garment an outfit names must belong to the outfit's owner: the services check it, since a foreign key cannot.
Cover files are written inside the transaction that saves the outfit and removed again if it fails; replaced or
deleted covers are removed only after the commit, like garment photos (wardrobe.services).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch, QuerySet

from ml import outfits as scoring
from wardrobe import taxonomy
from wardrobe.collage import make_collage
from wardrobe.models import EmbeddingState, Garment, Outfit, OutfitItem
from wardrobe.services import delete_files_now, delete_files_on_commit

MAX_ITEMS = 12
OUTFIT_FIELDS = ("name", "occasion", "season", "notes")


# Reads -------------------------------------------------------------------------------------------------------------

def outfit_list(*, user: AbstractBaseUser, occasion: str = "", season: str = "") -> QuerySet[Outfit]:
    """The user's outfits, most recently changed first, with their items and garments in two more queries."""
    qs = Outfit.objects.filter(owner=user).prefetch_related(
        Prefetch("items", queryset=OutfitItem.objects.select_related("garment").defer("garment__embedding"))
    )
    if occasion:
        qs = qs.filter(occasion=occasion)
    if season:
        qs = qs.filter(season__in=[season, taxonomy.ALL_SEASON])
    return qs


def outfit_get(*, user: AbstractBaseUser, pk: int) -> Outfit:
    """One of the user's outfits. Raises Outfit.DoesNotExist for anyone else's, as for a missing one."""
    return outfit_list(user=user).get(pk=pk)


def outfits_with_garment(*, garment: Garment) -> list[Outfit]:
    """The outfits a garment is in (the delete page names them: they will show it as removed)."""
    return list(Outfit.objects.filter(owner_id=garment.owner_id, items__garment=garment).order_by("name"))


# Writes ------------------------------------------------------------------------------------------------------------

def _own_garments(owner: AbstractBaseUser, garment_ids: Sequence[int]) -> list[Garment]:
    ids = list(dict.fromkeys(int(i) for i in garment_ids))
    if len(ids) > MAX_ITEMS:
        raise ValidationError({"garment_ids": f"An outfit has at most {MAX_ITEMS} garments."})
    found = {g.pk: g for g in Garment.objects.filter(owner=owner, pk__in=ids).defer("embedding")}
    missing = [i for i in ids if i not in found]
    if missing:
        # Someone else's garment reads exactly like one that does not exist.
        raise ValidationError({"garment_ids": f"No such garment in your closet: {', '.join(map(str, missing))}."})
    return [found[i] for i in ids]


def _set_items(outfit: Outfit, garments: Sequence[Garment]) -> None:
    outfit.items.all().delete()
    OutfitItem.objects.bulk_create(
        OutfitItem(outfit=outfit, garment=g, position=i, slot=taxonomy.slot_for(g.category), name_snapshot=g.name)
        for i, g in enumerate(garments)
    )


def _write_cover(outfit: Outfit, garments: Sequence[Garment], written: list[str]) -> str:
    """Store a new collage for the outfit; returns the name of the cover it replaces ("" if none)."""
    old = outfit.cover.name or ""
    collage = make_collage([g.thumbnail.name for g in garments])
    if collage is None:
        outfit.cover.name = ""
    else:
        outfit.cover.name = default_storage.save(f"outfits/{uuid.uuid4().hex}.jpg", ContentFile(collage))
        written.append(outfit.cover.name)
    return old


def _clean(outfit: Outfit) -> None:
    outfit.name = (outfit.name or "").strip() or "Untitled outfit"
    outfit.notes = (outfit.notes or "").strip()
    outfit.full_clean(exclude=["owner", "cover"])


def outfit_create(
    *,
    owner: AbstractBaseUser,
    garment_ids: Sequence[int],
    name: str = "",
    occasion: str = "",
    season: str = "",
    notes: str = "",
) -> Outfit:
    """Save an outfit of the owner's garments in the given order, each in the slot of its category, with a cover
    collage. Raises ValidationError for an empty outfit, bad fields or a garment not in the owner's closet."""
    garments = _own_garments(owner, garment_ids)
    if not garments:
        raise ValidationError({"garment_ids": "Pick at least one garment."})
    outfit = Outfit(owner=owner, name=name, occasion=occasion, season=season, notes=notes)
    _clean(outfit)
    written: list[str] = []
    try:
        with transaction.atomic():
            _write_cover(outfit, garments, written)
            outfit.save()
            _set_items(outfit, garments)
    except BaseException:
        delete_files_now(written)
        raise
    return outfit


def outfit_update(*, outfit: Outfit, data: dict[str, Any], garment_ids: Sequence[int] | None = None) -> Outfit:
    """Change an outfit's fields and, when `garment_ids` is given, its garments and their order (removed pieces are
    dropped then) and its cover."""
    unknown = set(data) - set(OUTFIT_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    for key, value in data.items():
        setattr(outfit, key, value)
    _clean(outfit)
    garments = None
    if garment_ids is not None:
        garments = _own_garments(outfit.owner, garment_ids)
        if not garments:
            raise ValidationError({"garment_ids": "Pick at least one garment."})
    written: list[str] = []
    try:
        with transaction.atomic():
            if garments is not None:
                old = _write_cover(outfit, garments, written)
                _set_items(outfit, garments)
                delete_files_on_commit([old])
            outfit.save()
    except BaseException:
        delete_files_now(written)
        raise
    if hasattr(outfit, "_prefetched_objects_cache"):
        outfit._prefetched_objects_cache.pop("items", None)
    return outfit


@transaction.atomic
def outfit_delete(*, outfit: Outfit) -> None:
    """Delete an outfit and, after commit, its cover. Its wear log entries stay (the garments were still worn)."""
    cover = outfit.cover.name
    outfit.delete()
    delete_files_on_commit([cover])


# Suggestions -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SuggestedPick:
    garment: Garment
    slot: str
    reasons: list[str]


@dataclass(frozen=True)
class OutfitSuggestion:
    picks: list[SuggestedPick]
    score: float

    @property
    def garment_ids(self) -> list[int]:
        return [p.garment.pk for p in self.picks]


def closet_pieces(
    user: AbstractBaseUser, *, categories: Mapping[int, str] | None = None
) -> tuple[list[scoring.Piece], dict[int, Garment]]:
    """The user's unarchived garments as ``ml.outfits`` pieces, and the garments by pk. ``categories`` overrides a
    garment's category by pk (the recommender's reading of a garment left "Other")."""
    garments = list(
        Garment.objects.filter(owner=user, archived_at__isnull=True).prefetch_related("tags")
    )
    occasions: dict[int, set[str]] = {g.pk: set() for g in garments}
    for garment_id, occasion in OutfitItem.objects.filter(
        outfit__owner=user, garment__isnull=False
    ).exclude(outfit__occasion="").values_list("garment_id", "outfit__occasion"):
        occasions.setdefault(garment_id, set()).add(occasion)
    pieces = []
    for g in garments:
        category = (categories or {}).get(g.pk, g.category)
        said = {t.name for t in g.tags.all() if t.name in taxonomy.OCCASIONS}
        vector = None
        if g.embedding_state == EmbeddingState.READY and g.embedding:
            vector = np.frombuffer(bytes(g.embedding), dtype="<f4")
        pieces.append(
            scoring.Piece(
                id=g.pk, name=g.name, slot=taxonomy.slot_for(category), colour=g.colour, season=g.season,
                occasions=frozenset(said | occasions.get(g.pk, set())), vector=vector,
                one_piece=category == taxonomy.DRESSES,
            )
        )
    return pieces, {g.pk: g for g in garments}


def outfit_suggestions(
    *, user: AbstractBaseUser, occasion: str = "", season: str = "", limit: int = 3
) -> list[OutfitSuggestion]:
    """Outfits assembled from the user's own (unarchived) closet for an occasion and season, best first, each pick
    with its reasons. A garment's occasions are its occasion tags and the occasions of outfits it is in."""
    pieces, garments = closet_pieces(user)
    return [
        OutfitSuggestion(
            picks=[SuggestedPick(garments[p.piece.id], p.piece.slot, p.reasons) for p in s.picks], score=s.score
        )
        for s in scoring.assemble(pieces, occasion=occasion, season=season, limit=limit)
    ]


def outfit_around(
    *, user: AbstractBaseUser, anchor: scoring.Piece, occasion: str = "", season: str = "",
    categories: Mapping[int, str] | None = None,
) -> OutfitSuggestion | None:
    """What the user owns that completes an outfit around ``anchor`` (a region of a photo, a shop item with an id no
    garment has, e.g. -1; or one of their own garments, by its pk). The anchor is left out of the picks; None when
    nothing in the closet goes with it. ``categories``: as for :func:`closet_pieces`."""
    pieces, garments = closet_pieces(user, categories=categories)
    outfit = scoring.complete_outfit(anchor, pieces, occasion=occasion, season=season)
    picks = [SuggestedPick(garments[p.piece.id], p.piece.slot, p.reasons)
             for p in outfit.picks if p.piece.id in garments and p.piece.id != anchor.id]
    if not picks:
        return None
    return OutfitSuggestion(picks=picks, score=outfit.score)
