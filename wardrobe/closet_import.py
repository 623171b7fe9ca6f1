"""Importing a closet from a CSV (one row per garment) and a zip of its photos.

Columns (a header row is required; names are case-insensitive, extra columns are ignored)::

    name,brand,category,colour,size,price_paid,season,tags,image

``image`` (also ``image_filename``, ``photo``, ``filename``) names a photo in the zip, by its path or its base name;
``category`` and ``colour`` are taxonomy codes or labels (empty: "other" / none); ``price_paid`` a non-negative
amount (``12.50``, ``12,50``, ``€12.50``); ``tags`` separated by ``|``, ``;`` or ``,``. The file may be UTF-8 (with or
without a BOM) or UTF-16 with a BOM.

All or nothing: every row is checked first (its fields and its photo, through the same validation as an upload) and
each problem is reported with its line number; only a file without problems is written, in one transaction, through
``services.garment_create``. If a write still fails, the rows already written roll back and their stored files are
deleted, so a failed import leaves nothing behind. A person fixes the rows the report names and uploads again.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from wardrobe import organising, services, taxonomy
from wardrobe.archives import ArchiveLimits, ArchiveRejected, MemberRejected, SafeZip, open_safe_zip
from wardrobe.images import ImageRejected, normalise_image
from wardrobe.models import Garment

__all__ = ["CSV_COLUMNS", "ImportReport", "RowProblem", "closet_csv_import", "import_limits"]

CSV_COLUMNS = ("name", "brand", "category", "colour", "size", "price_paid", "season", "tags", "image")
MAX_CSV_BYTES = 5 * 1024 * 1024
_ALIASES = {
    "color": "colour", "price": "price_paid", "image_filename": "image", "photo": "image", "filename": "image",
    "photo_filename": "image", "file": "image",
}
_LABEL_CATEGORY = {label.lower(): code for code, label in taxonomy.CATEGORY_CHOICES}
_LABEL_COLOUR = {label.lower(): code for code, label in taxonomy.COLOUR_CHOICES}
_PRICE_RE = re.compile(r"^[€$£]?\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*(?:€|EUR|USD|GBP)?$", re.IGNORECASE)


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line number in the file (the header is line 1); 0 for the file as a whole
    name: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "name": self.name, "reason": self.reason}


@dataclass
class ImportReport:
    """What an import did. ``created`` is non-empty only when there were no problems (all or nothing)."""

    rows: int = 0
    created: list[Garment] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, reason: str, *, row: int = 0, name: str = "") -> ImportReport:
        self.problems.append(RowProblem(row=row, name=name, reason=reason))
        return self


@dataclass
class _Row:
    line: int
    photo: str  # the member's key in the zip
    fields: dict[str, Any]
    tags: list[str]


def import_limits() -> ArchiveLimits:
    """The zip limits every closet import uses (settings.IMPORT_MAX_*; one photo is held to UPLOAD_MAX_BYTES)."""
    return ArchiveLimits(
        max_members=settings.IMPORT_MAX_GARMENTS * 2 + 16,
        max_member_bytes=max(settings.UPLOAD_MAX_BYTES, MAX_CSV_BYTES, 64 * 1024 * 1024),
        max_total_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
        max_ratio=settings.IMPORT_MAX_RATIO,
    )


def decode_text(data: bytes, *, label: str) -> str:
    """The text of an uploaded CSV: UTF-8 (a BOM is dropped) or UTF-16 with its BOM. Raises ValueError naming
    the line of the first byte that is not UTF-8."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(f"{label} starts like UTF-16 text but is not.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(
            f"{label} is not UTF-8 text (the first bad byte is on line {line}); save it as \u201cCSV UTF-8\u201d and "
            "upload it again."
        ) from None


def _choice(value: str, codes: frozenset[str], labels: dict[str, str]) -> str | None:
    key = value.strip().lower()
    if key in codes:
        return key
    return labels.get(key)


def parse_price(value: str) -> Decimal | None:
    """An amount as people type it, or None for empty. Raises ValueError for anything else."""
    value = value.strip()
    if not value:
        return None
    match = _PRICE_RE.match(value)
    if not match:
        raise ValueError(f"price_paid {value!r} is not an amount like 12.50")
    try:
        return Decimal(f"{match.group(1)}.{match.group(2) or '0'}")
    except InvalidOperation:
        raise ValueError(f"price_paid {value!r} is not an amount like 12.50") from None


def _rows(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ValueError("The CSV is empty; its first line must name the columns (" + ", ".join(CSV_COLUMNS) + ").")
    keys = [_ALIASES.get(k, k) for k in (h.strip().lower().replace(" ", "_") for h in header)]
    if "image" not in keys:
        raise ValueError("The CSV has no image column; each row must name its photo in the zip.")
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(keys):
            yield reader.line_num, {"__error__": f"{len(cells)} cells but the header names {len(keys)} columns"}
            continue
        yield reader.line_num, {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys)}


def _check_row(line: int, raw: dict[str, str], photos: SafeZip | None, used: dict[str, int], owner) -> _Row | RowProblem:
    name = raw.get("name", "").strip()
    label = name or raw.get("image", "").strip()
    if "__error__" in raw:
        return RowProblem(line, label, raw["__error__"])
    problems: list[str] = []
    category = _choice(raw.get("category", ""), taxonomy.CATEGORIES, _LABEL_CATEGORY) if raw.get("category", "").strip() else taxonomy.OTHER
    if category is None:
        problems.append(f"unknown category {raw['category'].strip()!r}")
    colour_raw = raw.get("colour", "").strip()
    colour = (_choice(colour_raw, taxonomy.COLOURS, _LABEL_COLOUR) or taxonomy.colour_for(colour_raw) or None) if colour_raw else ""
    if colour is None:
        problems.append(f"unknown colour {colour_raw!r}")
    try:
        price = parse_price(raw.get("price_paid", ""))
    except ValueError as exc:
        price = None
        problems.append(str(exc))
    try:
        season = organising.parse_season(raw.get("season", ""))
    except ValueError as exc:
        season = ""
        problems.append(str(exc))
    try:
        tags = organising.parse_tags(raw.get("tags", ""))
    except ValueError as exc:
        tags = []
        problems.append(str(exc))
    photo_name = raw.get("image", "").strip()
    key = None
    if not photo_name:
        problems.append("no photo named in the image column")
    elif photos is None:
        problems.append(f"photo {photo_name} needs the zip of photos")
    else:
        key = photos.find(photo_name)
        if key is None:
            problems.append(f"photo {photo_name} is not in the zip")
        elif key in used:
            problems.append(f"photo {photo_name} is already used on line {used[key]}")
            key = None
    fields = {
        "name": name, "brand": raw.get("brand", "").strip(), "category": category or taxonomy.OTHER,
        "colour": colour or "", "size": raw.get("size", "").strip(), "price_paid": price, "season": season,
    }
    candidate = Garment(owner=owner, **fields)
    candidate.name = candidate.name or "x"  # the photo's name is used when empty
    try:
        candidate.full_clean(exclude=["image", "thumbnail", "owner", "category", "colour"])
    except ValidationError as exc:
        problems.extend(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
    if key is not None and not problems:
        try:
            normalise_image(
                io.BytesIO(photos.read(key)), max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS
            )
        except (ImageRejected, MemberRejected) as exc:
            problems.append(f"photo {photo_name}: {exc}")
    if problems:
        return RowProblem(line, label, "; ".join(problems))
    used[key] = line
    return _Row(line=line, photo=key, fields=fields, tags=tags)


def closet_csv_import(
    *, owner: AbstractBaseUser, csv_file: IO[bytes], photos_zip: IO[bytes] | None = None
) -> ImportReport:
    """Check every row of the CSV (and its photo in the zip), then create all the garments or none. The report
    lists each problem with its line number; ``created`` holds the new garments when there were none."""
    report = ImportReport()
    data = csv_file.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        return report.fail(f"The CSV is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB.")
    try:
        text = decode_text(data, label="The CSV")
    except ValueError as exc:
        return report.fail(str(exc))
    if "\x00" in text:
        return report.fail("The CSV holds NUL bytes: is it a spreadsheet file rather than CSV text?")
    photos: SafeZip | None = None
    if photos_zip is not None:
        try:
            photos = open_safe_zip(photos_zip, limits=import_limits(), label="The zip of photos")
        except ArchiveRejected as exc:
            return report.fail(str(exc))
    try:
        rows = _check_all(text, photos, owner, report)
        if report.ok and not rows:
            report.fail("The CSV has no garment rows.")
        if report.ok:
            report.created = _write(owner, rows, photos, report)
        return report
    finally:
        if photos is not None:
            photos.close()


def _check_all(text: str, photos: SafeZip | None, owner, report: ImportReport) -> list[_Row]:
    rows: list[_Row] = []
    used: dict[str, int] = {}
    try:
        for line, raw in _rows(text):
            report.rows += 1
            if report.rows > settings.IMPORT_MAX_GARMENTS:
                report.fail(f"The CSV has more than {settings.IMPORT_MAX_GARMENTS} rows; split it into several files.")
                return []
            checked = _check_row(line, raw, photos, used, owner)
            if isinstance(checked, RowProblem):
                report.problems.append(checked)
            else:
                rows.append(checked)
    except csv.Error as exc:
        report.fail(f"The CSV cannot be read: {exc}.")
    except ValueError as exc:
        report.fail(str(exc))
    return rows


def _write(owner: AbstractBaseUser, rows: list[_Row], photos: SafeZip | None, report: ImportReport) -> list[Garment]:
    created: list[Garment] = []
    current: _Row | None = None
    try:
        with transaction.atomic():
            for current in rows:
                image = ContentFile(photos.read(current.photo), name=current.photo.rsplit("/", 1)[-1])
                garment = services.garment_create(owner=owner, image=image, **current.fields)
                created.append(garment)
                if current.tags:
                    organising.garment_set_tags(garment=garment, tags=current.tags)
    except (ImageRejected, MemberRejected, ValidationError) as exc:
        services.delete_files_now([n for g in created for n in g.stored_file_names])
        message = str(exc) if not isinstance(exc, ValidationError) else " ".join(exc.messages)
        report.fail(f"{message} (nothing was imported)", row=current.line if current else 0)
        return []
    except BaseException:
        services.delete_files_now([n for g in created for n in g.stored_file_names])
        raise
    return created
