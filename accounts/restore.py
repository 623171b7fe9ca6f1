"""Restoring an account export (accounts.portability) into this account, empty or not.

Two passes. The first reads and checks everything (the zip's safety, the manifest, every record, every photo through
the upload validation) and decides what is new; any problem is reported with where it is, and nothing is written.
The second writes all of it in one transaction; if anything fails there, the rows roll back and the photos already
stored are deleted.

Ids in the file only link its records; new rows get new ids, and links are remapped. A duplicate is skipped and
links to what is already here:

- a garment whose photo has the same SHA-256 as a photo already in this account (or earlier in the same file);
- an outfit with the same name and the same garments in the same order;
- a wear of the same garment or outfit on the same date; a plan of the same outfit on the same date;
- a like or hide of an item this account already has a verdict on. One for an item the shop no longer has is
  skipped and counted as such.

Shopping preferences are set only when this account has none saved: what its owner said here is never overwritten.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.dateparse import parse_datetime

from accounts.portability import FORMAT, FORMAT_VERSION
from accounts.preferences import FIELDS as PREFERENCE_FIELDS
from accounts.preferences import preferences_check, preferences_of
from accounts.restore_write import RestorePlan, write_restore
from wardrobe import organising, taxonomy
from wardrobe.archives import ArchiveRejected, MemberRejected, SafeZip, open_safe_zip
from wardrobe.closet_import import import_limits
from wardrobe.images import ImageRejected, normalise_image
from recommender.models import Feedback, InventoryItem
from wardrobe.models import Garment, Outfit, Plan, Wear

__all__ = ["KINDS", "RestoreReport", "account_restore"]

KINDS = ("garments", "outfits", "wears", "plans", "feedback")


@dataclass
class RestoreReport:
    """What a restore did (``created``) or would not do (``problems``: nothing was written when there are any)."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    duplicates: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unavailable: int = 0  # likes and hides of items the shop no longer has
    problems: list[str] = field(default_factory=list)
    version: int = 0
    preferences_restored: bool = False  # the export's shopping preferences were set (the account had none)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, message: str) -> RestoreReport:
        self.problems.append(message)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "version": self.version, "created": self.created, "duplicates": self.duplicates,
            "unavailable": self.unavailable, "problems": self.problems,
            "preferences_restored": self.preferences_restored,
        }


def _text(record: dict, key: str, limit: int) -> str:
    value = record.get(key) or ""
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    if len(value) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return value


def _date(value: Any, key: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} {value!r} is not a date like 2024-11-12") from None


def _when(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError(f"{value!r} is not a date and time")
    return parsed


def _id(value: Any, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} {value!r} is not an id")
    return value


def _records(manifest: dict, key: str, report: RestoreReport) -> list[dict]:
    records = manifest.get(key, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        report.fail(f"manifest.json: {key} is not a list of records.")
        return []
    return records


def _read_manifest(archive: SafeZip, report: RestoreReport) -> dict | None:
    name = "manifest.json" if "manifest.json" in archive else "garments.json" if "garments.json" in archive else None
    if name is None:
        report.fail("The zip holds no manifest.json: is it a Closetspace export?")
        return None
    try:
        manifest = json.loads(archive.read(name).decode("utf-8-sig"))
    except MemberRejected as exc:
        report.fail(str(exc))
        return None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        report.fail(f"{name} is not valid JSON ({exc}).")
        return None
    if not isinstance(manifest, dict):
        report.fail(f"{name} does not hold an export.")
        return None
    if name == "garments.json":
        report.version = 1
        return {"garments": manifest.get("garments", [])}
    version = manifest.get("version")
    if manifest.get("format") != FORMAT or not isinstance(version, int):
        report.fail("manifest.json is not a Closetspace export manifest.")
        return None
    if version > FORMAT_VERSION:
        report.fail(f"This export is format version {version}, newer than this site reads ({FORMAT_VERSION}).")
        return None
    report.version = version
    return manifest


def _existing_photo_digests(user: AbstractBaseUser) -> dict[str, int]:
    digests: dict[str, int] = {}
    for pk, name in Garment.objects.filter(owner=user).order_by("id").values_list("pk", "image"):
        try:
            with default_storage.open(name, "rb") as fh:
                digests.setdefault(hashlib.sha256(fh.read()).hexdigest(), pk)
        except (OSError, ValueError):
            continue
    return digests


def _check_garment(record: dict, archive: SafeZip) -> tuple[dict[str, Any], bytes]:
    fields: dict[str, Any] = {
        "name": _text(record, "name", 120).strip() or "Untitled garment",
        "brand": _text(record, "brand", 80).strip(),
        "size": _text(record, "size", 20).strip(),
        "notes": _text(record, "notes", 2000).strip(),
        "category": record.get("category") or taxonomy.OTHER,
        "colour": record.get("colour") or "",
        "season": record.get("season") or "",
    }
    if fields["category"] not in taxonomy.CATEGORIES:
        raise ValueError(f"unknown category {fields['category']!r}")
    if fields["colour"] and fields["colour"] not in taxonomy.COLOURS:
        raise ValueError(f"unknown colour {fields['colour']!r}")
    if fields["season"] and fields["season"] not in taxonomy.SEASONS:
        raise ValueError(f"unknown season {fields['season']!r}")
    price = record.get("price_paid")
    try:
        fields["price_paid"] = None if price in (None, "") else Decimal(str(price))
    except InvalidOperation:
        raise ValueError(f"price_paid {price!r} is not an amount") from None
    if fields["price_paid"] is not None and (fields["price_paid"] < 0 or fields["price_paid"] >= Decimal("1e7")):
        raise ValueError(f"price_paid {price!r} is out of range")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError("tags is not a list of text")
    use_cutout = record.get("use_cutout", True)  # an export from before the choice existed: the default
    if not isinstance(use_cutout, bool):
        raise ValueError("use_cutout is not true or false")
    extra = {"tags": organising.parse_tags(tags), "archived_at": _when(record.get("archived_at")),
             "created_at": _when(record.get("created_at")), "use_cutout": use_cutout}
    image = record.get("image")
    if not image or not isinstance(image, str) or image not in archive:
        raise ValueError(f"its photo {image or '(none named)'} is not in the zip")
    photo = archive.read(image)
    expected = record.get("photo_sha256")
    if expected and hashlib.sha256(photo).hexdigest() != expected:
        raise ValueError(f"its photo {image} does not match its checksum (the zip was changed or damaged)")
    try:
        normalise_image(io.BytesIO(photo), max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS)
    except ImageRejected as exc:
        raise ValueError(f"its photo {image}: {exc}") from None
    return {**fields, **extra, "photo": image}, photo


def _check_garments(manifest: dict, archive: SafeZip, user, plan: RestorePlan, report: RestoreReport) -> set[int]:
    known: set[int] = set()
    digests = _existing_photo_digests(user)
    records = _records(manifest, "garments", report)
    if len(records) > settings.IMPORT_MAX_GARMENTS:
        report.fail(f"The export holds {len(records)} garments; one restore takes at most {settings.IMPORT_MAX_GARMENTS}.")
        return known
    for n, record in enumerate(records, 1):
        where = f"garments #{n} ({str(record.get('name', ''))[:40] or 'no name'})"
        try:
            file_id = _id(record.get("id"), "id")
            if file_id is None or file_id in known:
                raise ValueError("it has no id, or the same id as another garment")
            fields, photo = _check_garment(record, archive)
        except (ValueError, MemberRejected) as exc:
            report.fail(f"{where}: {exc}.")
            continue
        known.add(file_id)
        digest = hashlib.sha256(photo).hexdigest()
        if digest in digests:
            plan.garment_ids[file_id] = digests[digest]  # a row here, or (negative) the file's first copy
            report.duplicates["garments"] += 1
            continue
        digests[digest] = -file_id  # later copies in this file link to this one
        plan.garments.append({**fields, "file_id": file_id})
    return known


def _check_outfits(manifest: dict, user, known: set[int], plan: RestorePlan, report: RestoreReport) -> set[int]:
    outfits: set[int] = set()
    existing: dict[tuple, int] = {}
    for outfit in Outfit.objects.filter(owner=user).prefetch_related("items"):
        existing.setdefault((outfit.name, tuple(i.garment_id for i in outfit.items.all())), outfit.pk)
    for n, record in enumerate(_records(manifest, "outfits", report), 1):
        where = f"outfits #{n} ({str(record.get('name', ''))[:40] or 'no name'})"
        try:
            file_id = _id(record.get("id"), "id")
            if file_id is None or file_id in outfits:
                raise ValueError("it has no id, or the same id as another outfit")
            fields = {
                "name": _text(record, "name", 120).strip() or "Outfit", "notes": _text(record, "notes", 2000),
                "occasion": record.get("occasion") or "", "season": record.get("season") or "",
                "created_at": _when(record.get("created_at")),
            }
            if fields["occasion"] and fields["occasion"] not in taxonomy.OCCASIONS:
                raise ValueError(f"unknown occasion {fields['occasion']!r}")
            if fields["season"] and fields["season"] not in taxonomy.SEASONS:
                raise ValueError(f"unknown season {fields['season']!r}")
            items = []
            for item in record.get("items") or []:
                garment = _id(item.get("garment"), "garment") if isinstance(item, dict) else None
                if not isinstance(item, dict) or (garment is not None and garment not in known):
                    raise ValueError("an item names a garment that is not in the file")
                slot = item.get("slot") or taxonomy.SLOT_ACCESSORIES
                if slot not in taxonomy.SLOTS:
                    raise ValueError(f"unknown slot {slot!r}")
                items.append({"garment": garment, "slot": slot, "name": _text(item, "name", 120) or "Removed garment"})
        except (ValueError, AttributeError) as exc:
            report.fail(f"{where}: {exc}.")
            continue
        outfits.add(file_id)
        mapped = tuple(plan.garment_ids.get(i["garment"], -1) if i["garment"] is not None else None for i in items)
        if (fields["name"], mapped) in existing:
            plan.outfit_ids[file_id] = existing[(fields["name"], mapped)]
            report.duplicates["outfits"] += 1
            continue
        plan.outfits.append({**fields, "items": items, "file_id": file_id})
    return outfits


def _check_wears_and_plans(manifest: dict, user, known: set[int], outfits: set[int], plan: RestorePlan, report: RestoreReport) -> None:
    wears_here = set(Wear.objects.filter(owner=user).values_list("date", "garment_id", "outfit_id"))
    for n, record in enumerate(_records(manifest, "wears", report), 1):
        try:
            date = _date(record.get("date"))
            garment, outfit = _id(record.get("garment"), "garment"), _id(record.get("outfit"), "outfit")
            worn = [_id(g, "garments") for g in record.get("garments") or []]
            if garment is not None and outfit is not None:
                raise ValueError("it names both a garment and an outfit")
            if (garment is not None and garment not in known) or (outfit is not None and outfit not in outfits) or any(
                g not in known for g in worn
            ):
                raise ValueError("it names a garment or outfit that is not in the file")
        except (ValueError, TypeError) as exc:
            report.fail(f"wears #{n}: {exc}.")
            continue
        key = (date, plan.garment_ids.get(garment), plan.outfit_ids.get(outfit))
        if (garment is None or garment in plan.garment_ids) and (outfit is None or outfit in plan.outfit_ids) and key in wears_here:
            report.duplicates["wears"] += 1
            continue
        plan.wears.append({"date": date, "garment": garment, "outfit": outfit, "garments": worn,
                           "created_at": _when(record.get("created_at")) if isinstance(record.get("created_at"), str) else None})
    plans_here = set(Plan.objects.filter(owner=user).values_list("date", "outfit_id"))
    seen: set[tuple] = set()
    for n, record in enumerate(_records(manifest, "plans", report), 1):
        try:
            date, outfit = _date(record.get("date")), _id(record.get("outfit"), "outfit")
            if outfit is None or outfit not in outfits:
                raise ValueError("it names an outfit that is not in the file")
            notes = _text(record, "notes", 200)
        except (ValueError, TypeError) as exc:
            report.fail(f"plans #{n}: {exc}.")
            continue
        if (date, plan.outfit_ids.get(outfit)) in plans_here or (date, outfit) in seen:
            report.duplicates["plans"] += 1
            continue
        seen.add((date, outfit))
        plan.plans.append({"date": date, "outfit": outfit, "notes": notes})


def _check_feedback(manifest: dict, user, plan: RestorePlan, report: RestoreReport) -> None:
    records = _records(manifest, "feedback", report)
    wanted = {r.get("item") for r in records if isinstance(r.get("item"), str)}
    items = dict(InventoryItem.objects.filter(external_id__in=wanted, is_active=True).values_list("external_id", "pk"))
    have = set(Feedback.objects.filter(user=user).values_list("item_id", flat=True))
    for n, record in enumerate(records, 1):
        kind = record.get("kind")
        if not isinstance(record.get("item"), str) or kind not in Feedback.Kind.values:
            report.fail(f"feedback #{n}: it needs an item id and a kind ({', '.join(Feedback.Kind.values)}).")
            continue
        item = items.get(record["item"])
        if item is None:
            report.unavailable += 1
        elif item in have:
            report.duplicates["feedback"] += 1
        else:
            have.add(item)
            plan.feedback.append((item, kind))


def _check_preferences(manifest: dict, user, plan: RestorePlan, report: RestoreReport) -> None:
    record = manifest.get("preferences")
    if record is None:  # an export from before preferences, or a version 1 file
        return
    if not isinstance(record, dict):
        report.fail("manifest.json: preferences is not a record.")
        return
    try:
        preferences = preferences_check(**{k: record[k] for k in PREFERENCE_FIELDS if k in record})
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            report.fail(f"preferences: {name}: {' '.join(messages)}")
        return
    if not preferences.is_empty and preferences_of(user=user).is_empty:
        plan.preferences = preferences


def account_restore(*, user: AbstractBaseUser, archive_file: IO[bytes]) -> RestoreReport:
    """Check the export in ``archive_file`` and restore what is new into ``user``'s account: all of it, or, when
    the report lists problems, nothing."""
    report = RestoreReport()
    try:
        archive = open_safe_zip(archive_file, limits=import_limits(), label="The export")
    except ArchiveRejected as exc:
        return report.fail(str(exc))
    with archive:
        manifest = _read_manifest(archive, report)
        if manifest is None:
            return report
        plan = RestorePlan()
        known = _check_garments(manifest, archive, user, plan, report)
        outfits = _check_outfits(manifest, user, known, plan, report)
        _check_wears_and_plans(manifest, user, known, outfits, plan, report)
        _check_feedback(manifest, user, plan, report)
        _check_preferences(manifest, user, plan, report)
        if not report.ok:
            return report
        try:
            write_restore(user=user, plan=plan, archive=archive, report=report)
        except (ImageRejected, MemberRejected, ValidationError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            report.created = dict.fromkeys(KINDS, 0)
            return report.fail(f"The restore stopped ({message}); nothing was imported.")
    return report
