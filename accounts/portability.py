"""The account export: everything a user made here, in one zip they can keep or restore (accounts.restore).

Layout (``FORMAT_VERSION`` 2)::

    manifest.json      {"format", "version", "exported_at", "account", "counts", "garments", "outfits", "wears",
                        "plans", "feedback", "mood_boards", "preferences"}; ids are this account's own and only link
                       records inside the file. "preferences" is the shopping preferences as one record (every field
                       blank, null or empty when none were saved; amounts as strings); a reader of an export without
                       it (before it was added; the version did not change) reads "none saved"
    garments.json      version 1's file (the account and its garments), kept for readers of the old format
    images/<id>.jpg    each garment's photo exactly as stored (its SHA-256 is in the manifest); a garment's cut-out
                       is not exported (its "use_cutout" choice is): the embedding job makes it again on restore
    boards/<id>.jpg    each mood-board photo as stored; the boards are the manifest's "mood_boards", apart from the
                       garments (inspiration photos are not garments; restoring an export does not bring them back yet)

Outfit covers are not exported: they are collages of the garments' photos, made again on restore. Likes and
hides name shop items by their external id, which outlives the shop's own row ids across re-imports.
"""
from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils import timezone

from accounts.preferences import preferences_of
from recommender.models import Feedback
from wardrobe.models import BoardPhoto, Garment, MoodBoard, Outfit, Plan, Wear

__all__ = ["FORMAT", "FORMAT_VERSION", "account_export", "account_export_bytes", "account_export_response"]

FORMAT = "closetspace-export"
FORMAT_VERSION = 2


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _write_photo(zf: zipfile.ZipFile, stored_name: str, path: str) -> tuple[str, str]:
    """Copy a stored photo into the zip at ``path``: (path, SHA-256), or ("", "") when the file is gone (the record
    is still exported; a restore reports the missing photo)."""
    try:
        with default_storage.open(stored_name, "rb") as fh:
            photo = fh.read()
    except (OSError, ValueError):
        return "", ""
    zf.writestr(path, photo, compress_type=zipfile.ZIP_STORED)  # JPEGs do not deflate
    return path, hashlib.sha256(photo).hexdigest()


def _garment_records(user: AbstractBaseUser, zf: zipfile.ZipFile) -> list[dict[str, Any]]:
    records = []
    garments = Garment.objects.filter(owner=user).defer("embedding").prefetch_related("tags").order_by("id")
    for g in garments:
        image_path, digest = _write_photo(zf, g.image.name, f"images/{g.pk}.jpg")
        records.append(
            {
                "id": g.pk,
                "name": g.name,
                "brand": g.brand,
                "category": g.category,
                "colour": g.colour,
                "size": g.size,
                "price_paid": str(g.price_paid) if g.price_paid is not None else None,
                "season": g.season,
                "tags": sorted(t.name for t in g.tags.all()),
                "notes": g.notes,
                "archived_at": _iso(g.archived_at),
                "use_cutout": g.use_cutout,
                "created_at": _iso(g.created_at),
                "updated_at": _iso(g.updated_at),
                "image": image_path,
                "photo_sha256": digest,
            }
        )
    return records


def _board_records(user: AbstractBaseUser, zf: zipfile.ZipFile) -> list[dict[str, Any]]:
    boards = []
    for board in MoodBoard.objects.filter(owner=user).order_by("id"):
        photos = []
        for photo in BoardPhoto.objects.filter(board=board, owner=user).defer("embedding").order_by("id"):
            path, digest = _write_photo(zf, photo.image.name, f"boards/{photo.pk}.jpg")
            photos.append({
                "id": photo.pk, "source": photo.source, "caption": photo.caption, "shop_item_id": photo.shop_item_id,
                "garment": photo.garment_id, "created_at": _iso(photo.created_at), "image": path, "photo_sha256": digest,
            })
        boards.append({"id": board.pk, "name": board.name, "created_at": _iso(board.created_at), "photos": photos})
    return boards


def _outfit_records(user: AbstractBaseUser) -> list[dict[str, Any]]:
    outfits = Outfit.objects.filter(owner=user).prefetch_related("items").order_by("id")
    return [
        {
            "id": o.pk,
            "name": o.name,
            "occasion": o.occasion,
            "season": o.season,
            "notes": o.notes,
            "created_at": _iso(o.created_at),
            "items": [
                {"garment": i.garment_id, "position": i.position, "slot": i.slot, "name": i.name_snapshot}
                for i in sorted(o.items.all(), key=lambda i: i.position)
            ],
        }
        for o in outfits
    ]


def _wear_records(user: AbstractBaseUser) -> list[dict[str, Any]]:
    through = Wear.garments.through
    worn: dict[int, list[int]] = {}
    for wear_id, garment_id in through.objects.filter(wear__owner=user).order_by("garment_id").values_list("wear_id", "garment_id"):
        worn.setdefault(wear_id, []).append(garment_id)
    return [
        {
            "id": pk, "date": date.isoformat(), "garment": garment_id, "outfit": outfit_id,
            "garments": worn.get(pk, []), "created_at": _iso(created_at),
        }
        for pk, date, garment_id, outfit_id, created_at in Wear.objects.filter(owner=user)
        .order_by("date", "id").values_list("pk", "date", "garment_id", "outfit_id", "created_at")
    ]


def _plan_records(user: AbstractBaseUser) -> list[dict[str, Any]]:
    return [
        {"id": pk, "date": date.isoformat(), "outfit": outfit_id, "notes": notes}
        for pk, date, outfit_id, notes in Plan.objects.filter(owner=user)
        .order_by("date", "id").values_list("pk", "date", "outfit_id", "notes")
    ]


def _feedback_records(user: AbstractBaseUser) -> list[dict[str, Any]]:
    return [
        {"item": external_id, "kind": kind, "created": _iso(created)}
        for external_id, kind, created in Feedback.objects.filter(user=user)
        .order_by("created", "id").values_list("item__external_id", "kind", "created")
    ]


def _preferences_record(user: AbstractBaseUser) -> dict[str, Any]:
    record = preferences_of(user=user).as_dict()
    return {**record, **{k: str(record[k]) if record[k] is not None else None for k in ("budget_min", "budget_max")}}


def account_export(*, user: AbstractBaseUser, out: IO[bytes]) -> dict[str, int]:
    """Write the user's export zip to ``out``. Returns how many of each kind of record it holds."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        garments = _garment_records(user, zf)
        sections = {
            "garments": garments,
            "outfits": _outfit_records(user),
            "wears": _wear_records(user),
            "plans": _plan_records(user),
            "feedback": _feedback_records(user),
            "mood_boards": _board_records(user, zf),
        }
        counts = {key: len(records) for key, records in sections.items()}
        counts["photos"] = sum(1 for g in garments if g["image"])
        counts["board_photos"] = sum(len(b["photos"]) for b in sections["mood_boards"])
        account = {"username": user.get_username(), "email": getattr(user, "email", "")}
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "exported_at": timezone.now().isoformat(),
            "account": account, "counts": counts, **sections, "preferences": _preferences_record(user),
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=1))
        legacy = [
            {k: v for k, v in g.items() if k not in ("season", "tags", "archived_at", "use_cutout", "photo_sha256")}
            for g in garments
        ]
        zf.writestr("garments.json", json.dumps({"account": account, "garments": legacy}, indent=2))
    return counts


def account_export_bytes(*, user: AbstractBaseUser) -> bytes:
    buffer = io.BytesIO()
    account_export(user=user, out=buffer)
    return buffer.getvalue()


def account_export_response(*, user: AbstractBaseUser) -> FileResponse:
    """The export as a download (the profile page and the API send the same file); spooled to disk past 32 MB so a
    large closet does not fill memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)
    account_export(user=user, out=spool)
    spool.seek(0)
    stamp = timezone.now().strftime("%Y%m%d")
    return FileResponse(
        spool, as_attachment=True, filename=f"closetspace-{user.get_username()}-{stamp}.zip",
        content_type="application/zip",
    )
