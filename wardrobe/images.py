"""Validation and normalisation of uploaded garment photos (Pillow only; no Django models).

Every accepted photo leaves here as an upright RGB JPEG with no metadata at all (EXIF, GPS, XMP, ICC), plus a
thumbnail. Anything else raises ImageRejected with a message meant for the person who uploaded it.
"""
from __future__ import annotations

import io
import logging
import re
import struct
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
# JPEG cannot store a side over 65,500 pixels, and a strip 1 pixel wide is no photo of a garment.
MAX_SIDE = 20_000
MAX_ASPECT_RATIO = 10
DAMAGED = "The image is damaged or incomplete (was the upload cut short?)."

logger = logging.getLogger(__name__)


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


def _too_many_pixels(exc: Exception, max_pixels: int) -> ImageRejected:
    # Pillow refuses to even open a bomb far over its own limit, so its message is the only place the size is.
    found = re.search(r"Image size \((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)) / 1_000_000:,.0f} megapixels" if found else "too many pixels"
    return ImageRejected(
        f"The image is too large: {size}; the limit is {max_pixels / 1_000_000:g} megapixels."
    )


def _check_shape(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageRejected(
            f"The image is too large: {width}\u00d7{height} pixels; the limit is {max_pixels / 1_000_000:g} megapixels."
        )
    if max(width, height) > MAX_SIDE or max(width, height) > MAX_ASPECT_RATIO * max(min(width, height), 1):
        raise ImageRejected(
            f"The image is {width}\u00d7{height} pixels: too long and thin for a garment photo "
            f"(at most {MAX_SIDE:,} pixels on a side and {MAX_ASPECT_RATIO} times longer than wide)."
        )


def _open(data: bytes, max_pixels: int) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(exc, max_pixels) from None
        except UnidentifiedImageError:
            raise ImageRejected(
                f"This file is not an image we can read. Upload a photo ({ACCEPTED_EXTENSIONS})."
            ) from None
        except ValueError as exc:
            raise _metadata_or_damaged(exc) from exc
        except (OSError, SyntaxError, EOFError, struct.error, IndexError) as exc:
            # A header cut short inside a marker fails here, before Pillow knows what the file is.
            raise ImageRejected(DAMAGED) from exc
        if probe.format not in ACCEPTED_FORMATS:
            raise ImageRejected(f"{probe.format} images are not accepted. Upload {ACCEPTED_EXTENSIONS}.")
        _check_shape(*probe.size, max_pixels)
        try:
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except ValueError as exc:
            raise _metadata_or_damaged(exc) from exc
        except (OSError, SyntaxError, EOFError, struct.error, IndexError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected(DAMAGED) from exc
    return image


def _metadata_or_damaged(exc: ValueError) -> ImageRejected:
    # Pillow caps the decompressed size of PNG text and ICC chunks (zip bombs hidden in metadata) with a ValueError.
    if "MAX_TEXT" in str(exc) or "text chunk" in str(exc):
        return ImageRejected(
            "The image carries too much embedded metadata (text or colour-profile chunks). Save it again as a "
            "plain JPEG or PNG and upload that."
        )
    return ImageRejected(DAMAGED)


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

    Raises ImageRejected for empty, oversized, unreadable, truncated or over-large (pixel bomb) files, for strips
    too long and thin to be a photo, for metadata bombs (huge ICC or text chunks) and for formats other than JPEG,
    PNG, WebP and HEIC.
    """
    data = _read_limited(fileobj, max_bytes)
    try:
        return _normalise(data, max_pixels, keep_clean_jpeg=keep_clean_jpeg)
    except ImageRejected:
        raise
    except Exception as exc:
        # Decoders meet hostile files here; whatever they raise, the uploader gets a 400 with a reason, not a 500.
        logger.warning("image decoder failed on an upload (%s: %s)", type(exc).__name__, exc)
        raise ImageRejected(DAMAGED) from exc


def _normalise(data: bytes, max_pixels: int, *, keep_clean_jpeg: bool) -> NormalisedImage:
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
    # Turning by EXIF may swap the sides; the shape rules hold either way, so no second check is needed.
    thumb = rgb.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    return NormalisedImage(
        full=_encode(rgb), thumbnail=_encode(thumb), width=rgb.width, height=rgb.height, source_format=source_format
    )
