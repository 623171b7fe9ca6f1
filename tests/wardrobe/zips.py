"""Builders of good and malformed zips for the import tests."""
from __future__ import annotations

import io
import stat
import zipfile


def make_zip(members: dict[str, bytes], *, encrypted: tuple[str, ...] = (), links: tuple[str, ...] = ()) -> bytes:
    """A zip of ``members``; names in ``encrypted`` get the encryption flag (their bytes are not really encrypted,
    which is all a reader may look at before refusing), names in ``links`` are symlinks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data)
    raw = out.getvalue()
    for name in encrypted:
        raw = _set_encrypted(raw, name.encode())
    return raw


def _set_encrypted(raw: bytes, name: bytes) -> bytes:
    data = bytearray(raw)
    for signature, flag_at, name_len_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        pos = data.find(signature)
        while pos != -1:
            n = int.from_bytes(data[pos + name_len_at : pos + name_len_at + 2], "little")
            if bytes(data[pos + name_at : pos + name_at + n]) == name:
                data[pos + flag_at] |= 0x01
            pos = data.find(signature, pos + 4)
    return bytes(data)


def bomb(size: int = 4 * 1024 * 1024) -> bytes:
    """A member of zeros: tiny compressed, ``size`` bytes uncompressed."""
    return make_zip({"bomb.jpg": b"\x00" * size})
