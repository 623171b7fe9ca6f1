"""Checks on an import's uploaded files, made before anything is written.

The zip of photos: encrypted members, compression methods zipfile cannot read, corrupt archives and zip bombs (caps on
the total and per-member uncompressed size and on the compression ratio, all settings). The CSV: read once, whole,
before the first row is written, so an encoding error, a NUL byte or an oversized field late in the file refuses the
import with its line number instead of failing after thousands of rows were written. Every refusal is an
ImportFormatError whose text is meant for the staff member who uploaded the files.
"""
from __future__ import annotations

import csv
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings

# utf-8-sig reads a UTF-8 file with or without the byte-order mark spreadsheets put first.
CSV_ENCODING = "utf-8-sig"
READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# Small members compress however they like (a blank test card, a text file); the ratio cap is for big ones.
RATIO_CHECKED_ABOVE_BYTES = 1024 * 1024


class ImportFormatError(ValueError):
    """The files cannot be imported as they are; nothing was imported. str() says why, for the uploader."""


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MB"


def check_csv(csv_path: Path) -> int:
    """Read the whole CSV once and return its number of data rows.

    Raises ImportFormatError naming the line of the first NUL byte, byte that is not UTF-8, or field over the csv
    module's limit.
    """
    name = csv_path.name
    with open(csv_path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if b"\x00" in raw:
                raise ImportFormatError(
                    f"{name}, line {number}: contains a NUL byte (a binary file, or text saved as UTF-16?). "
                    "Nothing was imported."
                )
            try:
                raw.decode(CSV_ENCODING if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"{name}, line {number}: byte {exc.start + 1} (0x{raw[exc.start]:02x}) is not UTF-8 text. Save "
                    "the file as UTF-8 (\u201cCSV UTF-8\u201d in a spreadsheet) and import it again. Nothing was imported."
                ) from None
    with open(csv_path, newline="", encoding=CSV_ENCODING) as fh:
        reader = csv.reader(fh)
        try:
            rows = sum(1 for _ in reader)
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than {csv.field_size_limit():,} characters"
            raise ImportFormatError(f"{name}, line {reader.line_num + 1}: {reason}. Nothing was imported.") from None
    return max(0, rows - 1)


def _check_member(member: zipfile.ZipInfo) -> None:
    if member.flag_bits & 0x1:
        raise ImportFormatError(f"{member.filename} in the zip is encrypted; upload a zip without a password.")
    if member.compress_type not in READABLE_COMPRESSION:
        raise ImportFormatError(
            f"{member.filename} in the zip uses compression method {member.compress_type}, which cannot be read; "
            "make the zip with the usual (deflate) compression."
        )
    if member.file_size > settings.IMPORT_ZIP_MAX_MEMBER_BYTES:
        raise ImportFormatError(
            f"{member.filename} in the zip is {_mb(member.file_size)} unpacked; the limit per file is "
            f"{_mb(settings.IMPORT_ZIP_MAX_MEMBER_BYTES)}."
        )
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio > settings.IMPORT_ZIP_MAX_RATIO:
        raise ImportFormatError(
            f"{member.filename} in the zip unpacks {ratio:,.0f} times larger than it is packed (a zip bomb?); the "
            f"limit is {settings.IMPORT_ZIP_MAX_RATIO}."
        )


def unpack_images_zip(*, zip_path: Path | str, into: Path | str) -> Path:
    """Extract an uploaded zip of photos into ``into`` (members with absolute or .. paths are skipped).

    Every member is checked before the first is extracted. The sizes checked are the ones the zip declares; zipfile
    never inflates a member past its declared size (it fails the CRC instead), so they bound the disk used.
    Raises ImportFormatError with the reason for a corrupt, encrypted, unreadable or oversized zip.
    """
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            for member in members:
                _check_member(member)
            total = sum(m.file_size for m in members)
            if total > settings.IMPORT_ZIP_MAX_BYTES:
                raise ImportFormatError(
                    f"The zip unpacks to {_mb(total)}; the limit is {_mb(settings.IMPORT_ZIP_MAX_BYTES)}."
                )
            for member in members:
                parts = PurePosixPath(member.filename).parts
                if PurePosixPath(member.filename).is_absolute() or ".." in parts:
                    continue
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ImportFormatError(f"The images file is not a readable zip ({exc}).") from exc
    # A zip of a folder ("images/1.jpg") or of the photos themselves ("1.jpg"): point at the photos.
    return into / "images" if (into / "images").is_dir() else into
