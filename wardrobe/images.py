"""Validation and normalisation of uploaded garment photos (Pillow only; no Django models).

Every accepted photo leaves here as an upright RGB JPEG with no metadata at all (EXIF, GPS, XMP, ICC), plus a
thumbnail. Anything else raises ImageRejected with a message meant for the person who uploaded it.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC", "MPO": "JPEG"}
ACCEPTED_EXTENSIONS = ".jpg, .jpeg, .png, .webp, .heic, .heif"
THUMBNAIL_SIZE = (480, 480)
JPEG_QUALITY = 90


class ImageRejected(ValueError):
    """The upload is not a photo we can keep; str() is the reason, phrased for the uploader."""


@dataclass(frozen=True)
class NormalisedImage:
    full: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str


def _human_bytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(n, 1) / 1024:.0f} KB"


def _read_limited(fileobj: IO[bytes], max_bytes: int) -> bytes:
    size = getattr(fileobj, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected(f"The file is {_human_bytes(size)}; the limit is {_human_bytes(max_bytes)}.")
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    data = fileobj.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"The file is larger than the {_human_bytes(max_bytes)} limit.")
    if not data:
        raise ImageRejected("The file is empty.")
    return data


def _open(data: bytes, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(
                f"This file is not an image we can read. Upload a photo ({ACCEPTED_EXTENSIONS})."
            ) from None
        if probe.format not in ACCEPTED_FORMATS:
            raise ImageRejected(f"{probe.format} images are not accepted. Upload {ACCEPTED_EXTENSIONS}.")
        width, height = probe.size
        if width * height > max_pixels:
            raise ImageRejected(
                f"The image is {width}\u00d7{height} pixels; the limit is {max_pixels / 1_000_000:g} megapixels."
            )
        try:
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("The image is damaged or incomplete (was the upload cut short?).") from exc
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten to RGB: transparency composited onto white, CMYK and palette images converted."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode == "I;16" or image.mode == "I":
        return image.point(lambda v: v / 256).convert("RGB")
    return image.convert("RGB")


def _encode(image: Image.Image) -> bytes:
    # A fresh image carries no info dict, so nothing (EXIF, GPS, XMP, ICC, comments) can leak into the output.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


# Segments our own encoder writes before the scan: JFIF header, quantisation tables, baseline frame, Huffman tables
# (and restart intervals). A JPEG made of these alone carries no metadata anywhere.
_CLEAN_SEGMENTS = {0xE0, 0xDB, 0xC0, 0xC4, 0xDD}


def is_clean_jpeg(data: bytes) -> bool:
    """True when ``data`` is a single-scan baseline JPEG holding nothing but image data: only the segments listed
    above (APP0 a bare JFIF header), one scan, and nothing after its end marker. Our normalised photos are such
    files; a photo taken by a camera never is (it has EXIF)."""
    if data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        return False
    i, n = 2, len(data)
    while True:
        if i + 4 > n or data[i] != 0xFF:
            return False
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker == 0xDA:
            break
        if marker not in _CLEAN_SEGMENTS or length < 2:
            return False
        if marker == 0xE0 and (length != 16 or data[i + 4 : i + 9] != b"JFIF\x00"):
            return False
        i += 2 + length
    # Entropy-coded data: 0xFF is only ever followed by a stuffed 0x00 or a restart marker, until the end marker.
    pos = data.find(b"\xff", i + 2 + length)
    while pos != -1 and pos < n - 2:
        follower = data[pos + 1]
        if follower != 0x00 and not 0xD0 <= follower <= 0xD7:
            return False
        pos = data.find(b"\xff", pos + 2)
    return True


def normalise_image(
    fileobj: IO[bytes], *, max_bytes: int, max_pixels: int, keep_clean_jpeg: bool = False
) -> NormalisedImage:
    """Check an upload and return it upright, RGB and metadata-free, with its thumbnail.

    ``keep_clean_jpeg``: a photo that is already in our normalised form (see is_clean_jpeg; it is fully decoded and
    checked all the same) is kept byte for byte instead of re-encoded. Restoring an export uses it: re-encoding
    would lose quality on every round trip and change the photo's checksum, which is how duplicates are found.

    Raises ImageRejected for empty, oversized, unreadable, truncated or over-large (pixel bomb) files and for
    formats other than JPEG, PNG, WebP and HEIC.
    """
    data = _read_limited(fileobj, max_bytes)
    image = _open(data, max_pixels)
    source_format = ACCEPTED_FORMATS[image.format or ""]
    if keep_clean_jpeg and image.format == "JPEG" and image.mode == "RGB" and is_clean_jpeg(data):
        thumb = image.copy()
        thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        return NormalisedImage(
            full=data, thumbnail=_encode(thumb), width=image.width, height=image.height, source_format=source_format
        )
    try:
        upright = ImageOps.exif_transpose(image)
        rgb = _to_rgb(upright)
    except (OSError, ValueError) as exc:
        raise ImageRejected("The image could not be converted (unsupported colour mode).") from exc
    thumb = rgb.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    return NormalisedImage(
        full=_encode(rgb), thumbnail=_encode(thumb), width=rgb.width, height=rgb.height, source_format=source_format
    )
