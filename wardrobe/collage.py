"""Outfit cover collages, made server-side with Pillow from the garments' stored photos (no Django models here,
only storage names in and JPEG bytes out)."""
from __future__ import annotations

import io
import logging
import math
from collections.abc import Sequence

from django.core.files.storage import default_storage
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

COVER_SIZE = 600
PADDING = 12
BACKGROUND = (247, 246, 243)
JPEG_QUALITY = 85


def _grid(n: int) -> tuple[int, int]:
    """Columns and rows for n photos: one large, two side by side, then the smallest near-square grid."""
    if n <= 2:
        return max(n, 1), 1
    cols = math.ceil(math.sqrt(n))
    return cols, math.ceil(n / cols)


def _load(name: str) -> Image.Image | None:
    try:
        with default_storage.open(name, "rb") as fh:
            image = Image.open(fh)
            image.load()
            return image.convert("RGB")
    except (OSError, ValueError):
        logger.warning("collage: photo %s could not be read; left out", name)
        return None


def make_collage(photo_names: Sequence[str]) -> bytes | None:
    """A square JPEG of the photos in order, each fitted whole into its cell; None when no photo could be read.

    Thumbnails are enough for a 600 px cover and are a fraction of the decode time of the full photos.
    """
    photos = [p for p in (_load(name) for name in photo_names if name) if p is not None]
    if not photos:
        return None
    cols, rows = _grid(len(photos))
    canvas = Image.new("RGB", (COVER_SIZE, COVER_SIZE), BACKGROUND)
    cell_w, cell_h = COVER_SIZE // cols, COVER_SIZE // rows
    for index, photo in enumerate(photos):
        col, row = index % cols, index // cols
        fitted = ImageOps.contain(photo, (cell_w - 2 * PADDING, cell_h - 2 * PADDING))
        x = col * cell_w + (cell_w - fitted.width) // 2
        y = row * cell_h + (cell_h - fitted.height) // 2
        canvas.paste(fitted, (x, y))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
