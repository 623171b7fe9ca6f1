"""Reading zips that users upload (a closet export, a zip of photos for a CSV import) without trusting them.

No Django here. Everything is checked from the central directory before a byte is inflated, and again while
inflating, because a zip's declared sizes can lie:

- not a zip, or a damaged one -> ArchiveRejected;
- encrypted members (we cannot read them and will not ask for a password) -> rejected;
- names that escape the archive (absolute, ``..``, drive letters, backslashes, NUL) or links -> rejected;
- zip bombs: too many members, a member or the total over its uncompressed cap, or a compression ratio above
  ``max_ratio`` -> rejected; a member that inflates past its declared size stops at the cap.

Nothing is ever extracted to disk: callers read members into memory one at a time, by their checked name.
"""
from __future__ import annotations

import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

__all__ = ["ArchiveLimits", "ArchiveRejected", "SafeZip", "open_safe_zip"]

_READ_CHUNK = 64 * 1024


class ArchiveRejected(ValueError):
    """The archive as a whole cannot be used; str() says why, phrased for the person who uploaded it."""


class MemberRejected(ValueError):
    """One member could not be read within the limits; str() says why."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 5000
    max_member_bytes: int = 15 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    max_ratio: int = 100  # uncompressed / compressed; JPEGs barely compress, JSON and CSV reach ~10


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _unsafe_name_reason(name: str) -> str | None:
    if not name or "\x00" in name:
        return "has an empty or NUL name"
    if "\\" in name:
        return "uses backslashes in its path"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "has an absolute path"
    if any(part == ".." for part in PurePosixPath(name).parts):
        return "points outside the archive (..)"
    return None


def normalise_member_name(name: str) -> str:
    """The key a member is looked up by: NFC, no leading ``./``. Names in a CSV and in the zip may differ in
    Unicode normal form (macOS writes NFD)."""
    name = unicodedata.normalize("NFC", name)
    while name.startswith("./"):
        name = name[2:]
    return name


class SafeZip:
    """An open, checked zip. ``names`` holds its regular files (folders dropped), keyed by normalised name."""

    def __init__(self, zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], limits: ArchiveLimits) -> None:
        self._zf = zf
        self._infos = infos
        self._limits = limits
        self._read_total = 0

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return normalise_member_name(name) in self._infos

    def find(self, name: str) -> str | None:
        """The stored key of ``name``: an exact match, else the one member whose base name it is (a zip of a folder
        of photos puts them under that folder)."""
        key = normalise_member_name(name)
        if key in self._infos:
            return key
        matches = [k for k in self._infos if PurePosixPath(k).name == key]
        return matches[0] if len(matches) == 1 else None

    def size(self, name: str) -> int:
        return self._infos[normalise_member_name(name)].file_size

    def read(self, name: str) -> bytes:
        """The member's bytes, inflated at most to its cap (and the archive's running total). Raises KeyError for
        a name not in the archive and MemberRejected for one that is damaged or inflates past a cap."""
        info = self._infos[normalise_member_name(name)]
        cap = min(self._limits.max_member_bytes, info.file_size)
        chunks: list[bytes] = []
        got = 0
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(_READ_CHUNK)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > cap:
                        raise MemberRejected(f"{info.filename} inflates past its declared size (a zip bomb?).")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            if isinstance(exc, MemberRejected):
                raise
            raise MemberRejected(f"{info.filename} is damaged in the zip ({exc}).") from None
        self._read_total += got
        if self._read_total > self._limits.max_total_bytes * 2:
            # Callers may read a member twice (validate, then write); more than that is a bug or an attack.
            raise MemberRejected("The zip has been read past its size limit.")
        return b"".join(chunks)

    def close(self) -> None:
        self._zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_safe_zip(fileobj: IO[bytes], *, limits: ArchiveLimits | None = None, label: str = "The file") -> SafeZip:
    """Open and check a zip. Raises ArchiveRejected naming the first problem found; nothing has been inflated."""
    limits = limits or ArchiveLimits()
    try:
        if hasattr(fileobj, "seek"):
            fileobj.seek(0)
        zf = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveRejected(f"{label} is not a zip file, or it is damaged.") from None
    try:
        infos = _checked_members(zf, limits, label)
    except BaseException:
        zf.close()
        raise
    return SafeZip(zf, infos, limits)


def _checked_members(zf: zipfile.ZipFile, limits: ArchiveLimits, label: str) -> dict[str, zipfile.ZipInfo]:
    members = zf.infolist()
    if len(members) > limits.max_members:
        raise ArchiveRejected(f"{label} holds {len(members)} files; the limit is {limits.max_members}.")
    infos: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in members:
        name = info.filename
        reason = _unsafe_name_reason(name)
        if reason:
            raise ArchiveRejected(f"{label} is refused: the member {name!r} {reason}.")
        if info.flag_bits & 0x1:
            raise ArchiveRejected(f"{label} is refused: {name} is encrypted (export it again without a password).")
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise ArchiveRejected(f"{label} is refused: {name} is a link.")
        if info.is_dir():
            continue
        if info.file_size > limits.max_member_bytes:
            raise ArchiveRejected(
                f"{label} is refused: {name} would unpack to {_mb(info.file_size)}; the limit per file is "
                f"{_mb(limits.max_member_bytes)}."
            )
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise ArchiveRejected(f"{label} is refused: {name} is compressed suspiciously well (a zip bomb?).")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveRejected(
                f"{label} is refused: it would unpack to more than {_mb(limits.max_total_bytes)}."
            )
        key = normalise_member_name(name)
        if key in infos:
            raise ArchiveRejected(f"{label} is refused: {name} appears twice.")
        infos[key] = info
    return infos
