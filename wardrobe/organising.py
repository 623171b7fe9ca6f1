"""Organising a closet: seasons, free tags, archiving, and bulk edits over many garments at once (writes).

An archived garment is kept with its wears and outfits but leaves the closet page (it has its own "Archived" view)
and every recommendation read, so it no longer shapes what the shop suggests. Bulk edits report per garment: one
garment that cannot take a change (another user's id, a deleted one) never stops the others.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wardrobe import services, taxonomy
from wardrobe.models import Garment, Tag

__all__ = [
    "BulkChanges", "BulkResult", "MAX_TAGS", "garment_archive", "garment_bulk_update", "garment_edit", "garment_set_tags",
    "garment_unarchive", "parse_season", "parse_tags",
]

MAX_TAGS = 20  # per garment
MAX_BULK = 500  # garments per bulk edit
_TAG_SPLIT = re.compile(r"[|;,]")
_SEASON_LABELS = {label.lower(): code for code, label in taxonomy.SEASON_CHOICES} | {"fall": taxonomy.AUTUMN, "all": taxonomy.ALL_SEASON}


def parse_season(value: str) -> str:
    """A season code from a code or a label (``Autumn``, ``fall``, ``all season``); "" for empty. Raises
    ValueError for anything else."""
    key = " ".join((value or "").strip().lower().replace("_", " ").split())
    if not key:
        return ""
    if key in taxonomy.SEASONS:
        return key
    if key.replace(" ", "-") in taxonomy.SEASONS:
        return key.replace(" ", "-")
    if key in _SEASON_LABELS:
        return _SEASON_LABELS[key]
    raise ValueError(f"unknown season {value.strip()!r}; use one of {', '.join(sorted(taxonomy.SEASONS))}")


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Normalised, de-duplicated tags in the order given, from a list or text separated by ``|``, ``;`` or ``,``.
    Raises ValueError for more than MAX_TAGS."""
    parts = _TAG_SPLIT.split(value) if isinstance(value, str) else list(value)
    tags: list[str] = []
    for part in parts:
        tag = taxonomy.normalise_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"{len(tags)} tags; a garment takes at most {MAX_TAGS}")
    return tags


def _tag_rows(owner: AbstractBaseUser, names: Sequence[str]) -> list[Tag]:
    existing = {t.name: t for t in Tag.objects.filter(owner=owner, name__in=list(names))}
    missing = [Tag(owner=owner, name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(owner=owner, name__in=list(names))}
    return [existing[n] for n in names]


@transaction.atomic
def garment_set_tags(*, garment: Garment, tags: str | Iterable[str]) -> list[str]:
    """Replace the garment's tags (text or a list; normalised). Tags are the owner's own: a name used by another
    user is a different row. Returns the garment's tags. Raises ValidationError for too many tags."""
    try:
        names = parse_tags(tags)
    except ValueError as exc:
        raise ValidationError({"tags": [str(exc)]}) from None
    garment.tags.set(_tag_rows(garment.owner, names))
    return names


@transaction.atomic
def garment_edit(
    *, garment: Garment, data: dict[str, Any], tags: str | Iterable[str] | None = None, archived: bool | None = None
) -> Garment:
    """An edit of one garment (the form, the API's PATCH): its fields (services.garment_update, which re-queues the
    embedding when what it reads changed) and, when given, its tags and archived state, together or not at all."""
    if data:
        services.garment_update(garment=garment, data=data)
    if tags is not None:
        garment_set_tags(garment=garment, tags=tags)
    if archived is True:
        garment_archive(garment=garment)
    elif archived is False:
        garment_unarchive(garment=garment)
    return garment


def _add_tags(garment: Garment, names: Sequence[str]) -> None:
    current = list(garment.tags.values_list("name", flat=True))
    merged = current + [n for n in names if n not in current]
    if len(merged) > MAX_TAGS:
        raise ValidationError(f"it would have {len(merged)} tags; a garment takes at most {MAX_TAGS}")
    garment.tags.add(*_tag_rows(garment.owner, [n for n in names if n not in current]))


def _remove_tags(garment: Garment, names: Sequence[str]) -> None:
    garment.tags.remove(*Tag.objects.filter(owner=garment.owner_id, name__in=list(names)))


def garment_archive(*, garment: Garment) -> Garment:
    """Take the garment out of the closet and the recommendations, keeping it, its wears and its outfits."""
    if garment.archived_at is None:
        garment.archived_at = timezone.now()
        garment.save(update_fields=["archived_at", "updated_at"])
    return garment


def garment_unarchive(*, garment: Garment) -> Garment:
    if garment.archived_at is not None:
        garment.archived_at = None
        garment.save(update_fields=["archived_at", "updated_at"])
    return garment


@dataclass(frozen=True)
class BulkChanges:
    """What a bulk edit does to each garment; None (or empty) leaves that part alone."""

    category: str | None = None
    season: str | None = None  # "" clears it
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    archived: bool | None = None

    def is_empty(self) -> bool:
        return self.category is None and self.season is None and not self.add_tags and not self.remove_tags and self.archived is None

    def validate(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.category is not None and self.category not in taxonomy.CATEGORIES:
            errors["category"] = [f"unknown category {self.category!r}"]
        if self.season is not None and self.season and self.season not in taxonomy.SEASONS:
            errors["season"] = [f"unknown season {self.season!r}"]
        for key in ("add_tags", "remove_tags"):
            try:
                parse_tags(getattr(self, key))
            except ValueError as exc:
                errors[key] = [str(exc)]
        if self.is_empty():
            errors["__all__"] = ["Choose at least one change."]
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class BulkResult:
    garment_id: int
    ok: bool
    message: str  # what changed, or why it did not
    name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.garment_id, "ok": self.ok, "message": self.message, "name": self.name}


def _apply(garment: Garment, changes: BulkChanges) -> str:
    done: list[str] = []
    fields: dict[str, Any] = {}
    if changes.category is not None and garment.category != changes.category:
        fields["category"] = changes.category
        done.append(f"category {taxonomy.CATEGORY_LABELS[changes.category]}")
    if changes.season is not None and garment.season != changes.season:
        fields["season"] = changes.season
        done.append(f"season {taxonomy.SEASON_LABELS.get(changes.season, 'cleared')}")
    if fields:
        services.garment_update(garment=garment, data=fields)
    if changes.add_tags:
        _add_tags(garment, parse_tags(changes.add_tags))
        done.append("tagged " + ", ".join(parse_tags(changes.add_tags)))
    if changes.remove_tags:
        _remove_tags(garment, parse_tags(changes.remove_tags))
        done.append("untagged " + ", ".join(parse_tags(changes.remove_tags)))
    if changes.archived is True and garment.archived_at is None:
        garment_archive(garment=garment)
        done.append("archived")
    elif changes.archived is False and garment.archived_at is not None:
        garment_unarchive(garment=garment)
        done.append("back in the closet")
    return "; ".join(done) or "already so; nothing to change"


def garment_bulk_update(*, owner: AbstractBaseUser, garment_ids: Iterable[int], changes: BulkChanges) -> list[BulkResult]:
    """Apply ``changes`` to each of the owner's garments in ``garment_ids`` and say, per garment, what happened.
    An id that is not one of the owner's garments is reported as not found (never touched); each garment is its
    own transaction, so one failure does not undo the others. A change of category re-queues the embedding (the
    embedding reads it), as a single edit does. Raises ValidationError for invalid changes (nothing is done)."""
    changes.validate()
    ids = list(dict.fromkeys(int(i) for i in garment_ids))
    if not ids:
        raise ValidationError({"ids": ["Select at least one garment."]})
    if len(ids) > MAX_BULK:
        raise ValidationError({"ids": [f"At most {MAX_BULK} garments at a time."]})
    garments = Garment.objects.filter(owner=owner, pk__in=ids).defer("embedding").in_bulk()
    results: list[BulkResult] = []
    for pk in ids:
        garment = garments.get(pk)
        if garment is None:
            results.append(BulkResult(pk, False, "not found"))
            continue
        try:
            with transaction.atomic():
                message = _apply(garment, changes)
        except ValidationError as exc:
            garment.refresh_from_db()
            results.append(BulkResult(pk, False, " ".join(exc.messages), garment.name))
        else:
            results.append(BulkResult(pk, True, message, garment.name))
    return results
