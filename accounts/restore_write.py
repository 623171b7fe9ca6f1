"""The write pass of a restore (accounts.restore checks everything first and hands over a RestorePlan).

One transaction. Garments go through ``wardrobe.services.garment_create`` (validation, normalising, thumbnails,
the embedding queued after commit), keeping exported photos byte for byte; the rest is plain rows, bulk-created.
If anything raises, the transaction rolls back and every photo stored so far is deleted before the error goes on.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from accounts.preferences import Preferences, preferences_set
from recommender.services.feedback import feedback_set
from wardrobe import organising, services
from wardrobe.archives import SafeZip
from wardrobe.collage import make_collage
from wardrobe.models import Garment, Outfit, OutfitItem, Plan, Wear

__all__ = ["RestorePlan", "write_restore"]

_GARMENT_FIELDS = ("name", "brand", "category", "colour", "size", "price_paid", "notes", "season")


@dataclass
class RestorePlan:
    """The checked, deduplicated content of an export: what the write pass creates, links still in file ids.

    ``garment_ids`` / ``outfit_ids`` map a duplicate's file id to the row already here (a positive id) or, for a
    garment repeated inside the file, to minus the file id of its first copy.
    """

    garments: list[dict[str, Any]] = field(default_factory=list)
    garment_ids: dict[int, int] = field(default_factory=dict)
    outfits: list[dict[str, Any]] = field(default_factory=list)
    outfit_ids: dict[int, int] = field(default_factory=dict)
    wears: list[dict[str, Any]] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[tuple[int, str]] = field(default_factory=list)  # (inventory item id, kind)
    preferences: Preferences | None = None  # set only when the account has none saved


def _write_garments(user: AbstractBaseUser, plan: RestorePlan, archive: SafeZip, created: list[Garment]) -> dict[int, int]:
    ids: dict[int, int] = {}
    for record in plan.garments:
        image = ContentFile(archive.read(record["photo"]), name=record["photo"].rsplit("/", 1)[-1])
        garment = services.garment_create(
            owner=user, image=image, keep_clean_jpeg=True, **{k: record[k] for k in _GARMENT_FIELDS}
        )
        created.append(garment)
        ids[record["file_id"]] = garment.pk
        if record["tags"]:
            organising.garment_set_tags(garment=garment, tags=record["tags"])
        kept = {k: record[k] for k in ("archived_at", "created_at") if record[k] is not None}
        if not record["use_cutout"]:
            kept["use_cutout"] = False  # before commit, so the embedding queued on commit reads the original
        if kept:
            Garment.objects.filter(pk=garment.pk).update(**kept)
    for file_id, target in plan.garment_ids.items():
        ids[file_id] = target if target > 0 else ids[-target]
    return ids


def _cover(garment_ids: list[int], written: list[str]) -> str:
    """A new collage of the outfit's garments (covers are made, not exported); "" when none can be made."""
    thumbs = dict(Garment.objects.filter(pk__in=garment_ids).values_list("pk", "thumbnail"))
    collage = make_collage([thumbs[pk] for pk in garment_ids if pk in thumbs])
    if collage is None:
        return ""
    name = default_storage.save(f"outfits/{uuid.uuid4().hex}.jpg", ContentFile(collage))
    written.append(name)
    return name


def _write_outfits(user: AbstractBaseUser, plan: RestorePlan, garment_ids: dict[int, int], written: list[str]) -> dict[int, int]:
    ids = dict(plan.outfit_ids)
    items: list[OutfitItem] = []
    for record in plan.outfits:
        present = [garment_ids[i["garment"]] for i in record["items"] if i["garment"] is not None]
        outfit = Outfit.objects.create(
            owner=user, name=record["name"], occasion=record["occasion"], season=record["season"], notes=record["notes"],
            cover=_cover(list(dict.fromkeys(present)), written),
        )
        if record["created_at"] is not None:
            Outfit.objects.filter(pk=outfit.pk).update(created_at=record["created_at"])
        ids[record["file_id"]] = outfit.pk
        seen: set[int] = set()
        for position, item in enumerate(record["items"]):
            garment = garment_ids.get(item["garment"]) if item["garment"] is not None else None
            if garment in seen:  # two file garments that were one photo: the outfit holds it once
                continue
            if garment is not None:
                seen.add(garment)
            items.append(OutfitItem(outfit=outfit, garment_id=garment, position=position, slot=item["slot"], name_snapshot=item["name"]))
    OutfitItem.objects.bulk_create(items)
    return ids


def _write_wears(user: AbstractBaseUser, plan: RestorePlan, garment_ids: dict[int, int], outfit_ids: dict[int, int]) -> None:
    wears = Wear.objects.bulk_create(
        [
            Wear(
                owner=user, date=r["date"], garment_id=garment_ids.get(r["garment"]) if r["garment"] is not None else None,
                outfit_id=outfit_ids.get(r["outfit"]) if r["outfit"] is not None else None,
            )
            for r in plan.wears
        ]
    )
    through = Wear.garments.through
    links = {(wear.pk, garment_ids[g]) for wear, r in zip(wears, plan.wears) for g in r["garments"]}
    through.objects.bulk_create([through(wear_id=w, garment_id=g) for w, g in sorted(links)])
    Plan.objects.bulk_create(
        [Plan(owner=user, date=r["date"], outfit_id=outfit_ids[r["outfit"]], notes=r["notes"]) for r in plan.plans]
    )


def write_restore(*, user: AbstractBaseUser, plan: RestorePlan, archive: SafeZip, report: Any) -> None:
    """Create everything in ``plan`` for ``user`` and count it in ``report.created``. All or nothing."""
    created: list[Garment] = []
    covers: list[str] = []
    try:
        with transaction.atomic():
            garment_ids = _write_garments(user, plan, archive, created)
            outfit_ids = _write_outfits(user, plan, garment_ids, covers)
            _write_wears(user, plan, garment_ids, outfit_ids)
            for item_id, kind in plan.feedback:
                feedback_set(user=user, item_id=item_id, kind=kind)
            if plan.preferences is not None:
                preferences_set(user=user, **plan.preferences.as_dict())
    except BaseException:
        services.delete_files_now([name for g in created for name in g.stored_file_names] + covers)
        raise
    report.created.update(
        garments=len(plan.garments), outfits=len(plan.outfits), wears=len(plan.wears), plans=len(plan.plans),
        feedback=len(plan.feedback),
    )
    report.preferences_restored = plan.preferences is not None
