"""Loading product and closet photos and turning them into square model inputs.

Product photos are shot on white, so an image is padded to a square on white (never cropped: a crop would cut
the toes off a shoe or the sleeves off a shirt) and then resized. The CPU path works on PIL images; the GPU path
decodes JPEG bytes on the device with ``torchvision.io.decode_jpeg`` and does the same pad-and-resize there.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Union

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

ImageSource = Union[str, Path, bytes, bytearray, Image.Image]
WHITE = (255, 255, 255)
_JPEG_MAGIC = b"\xff\xd8\xff"

try:  # HEIC/HEIF from phones; optional so ml/ still imports where pillow-heif is missing.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover
    pass


class ImageLoadError(ValueError):
    """An input could not be read as an image; the message names which one and why."""


def describe(source: ImageSource) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    if isinstance(source, Image.Image):
        return f"<PIL image {source.mode} {source.size[0]}x{source.size[1]}>"
    return f"<{type(source).__name__}>"


def load_image(source: ImageSource, *, draft_size: int | None = None) -> Image.Image:
    """Open a path, raw bytes or a PIL image as an upright RGB PIL image.

    ``draft_size`` lets the JPEG decoder skip detail that the resize would throw away anyway (decoding a 12 MP
    phone photo at 1/8 scale is an order of magnitude faster); it never decodes below ``draft_size`` pixels.
    """
    try:
        if isinstance(source, Image.Image):
            image = source
        elif isinstance(source, (bytes, bytearray)):
            image = Image.open(io.BytesIO(source))
        elif isinstance(source, (str, Path)):
            image = Image.open(source)
        else:
            raise ImageLoadError(f"{describe(source)}: expected a path, bytes or a PIL image")
        if draft_size and image.format == "JPEG":
            image.draft("RGB", (draft_size, draft_size))
        image = ImageOps.exif_transpose(image)
        if image.mode != "RGB":
            image = _to_rgb_on_white(image)
        image.load()
    except ImageLoadError:
        raise
    except FileNotFoundError as exc:
        raise ImageLoadError(f"{describe(source)}: no such file") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageLoadError(f"{describe(source)}: not a readable image ({exc})") from exc
    return image


def _to_rgb_on_white(image: Image.Image) -> Image.Image:
    """Transparent PNG cut-outs land on white, like the catalogue photos, instead of on black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, WHITE)
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def square_resize(image: Image.Image, size: int) -> Image.Image:
    """Fit the image inside ``size`` x ``size`` keeping its aspect ratio, centred on white."""
    width, height = image.size
    scale = size / max(width, height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = image.resize((new_w, new_h), Image.Resampling.BICUBIC)
    if (new_w, new_h) == (size, size):
        return resized
    canvas = Image.new("RGB", (size, size), WHITE)
    canvas.paste(resized, ((size - new_w) // 2, (size - new_h) // 2))
    return canvas


def to_uint8_array(source: ImageSource, size: int) -> np.ndarray:
    """One input as a (size, size, 3) uint8 array, padded on white and resized."""
    return np.array(square_resize(load_image(source, draft_size=size), size), dtype=np.uint8)


def read_bytes(source: ImageSource) -> bytes | None:
    """Raw file bytes for sources the GPU decoder can take (JPEG paths or bytes); None for anything else."""
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImageLoadError(f"{describe(source)}: {exc.strerror or exc}") from exc
    else:
        return None
    return data if data.startswith(_JPEG_MAGIC) else None


def gpu_square_resize(images: Sequence[torch.Tensor], size: int) -> torch.Tensor:
    """Pad-and-resize decoded (3, h, w) uint8 tensors already on the GPU into one (n, 3, size, size) uint8 batch."""
    device = images[0].device
    batch = torch.full((len(images), 3, size, size), 255, dtype=torch.uint8, device=device)
    for i, image in enumerate(images):
        _, height, width = image.shape
        scale = size / max(width, height)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        resized = torch.nn.functional.interpolate(
            image.unsqueeze(0).float(), size=(new_h, new_w), mode="bicubic", antialias=True, align_corners=False
        )
        top, left = (size - new_h) // 2, (size - new_w) // 2
        batch[i, :, top : top + new_h, left : left + new_w] = resized[0].round().clamp_(0, 255).to(torch.uint8)
    return batch


MIN_BOX_SIDE = 0.04  # of the photo's side: a smaller frame holds too few pixels to say what it shows


class BoxError(ValueError):
    """A crop box that is not a frame inside the photo; str() says why, for the caller."""


class Box:
    """A frame on a photo as fractions of its width and height: ``x, y`` its top-left corner, ``w, h`` its size.

    Fractions, not pixels, so a frame drawn on a scaled-down preview means the same region of the stored photo.
    A frame running past an edge is clipped to the photo; one that is too small, empty or outside it is refused."""

    __slots__ = ("x", "y", "w", "h")

    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        try:
            values = [float(v) for v in (x, y, w, h)]
        except (TypeError, ValueError) as exc:
            raise BoxError("x, y, w and h must be numbers between 0 and 1") from exc
        if not all(np.isfinite(values)):
            raise BoxError("x, y, w and h must be numbers between 0 and 1")
        x0, y0 = max(0.0, values[0]), max(0.0, values[1])
        x1, y1 = min(1.0, values[0] + values[2]), min(1.0, values[1] + values[3])
        if x1 - x0 < MIN_BOX_SIDE or y1 - y0 < MIN_BOX_SIDE:
            raise BoxError(
                f"the frame must lie on the photo and be at least {MIN_BOX_SIDE:.0%} of its width and height"
            )
        self.x, self.y, self.w, self.h = x0, y0, x1 - x0, y1 - y0

    def __repr__(self) -> str:
        return f"Box(x={self.x:.3f}, y={self.y:.3f}, w={self.w:.3f}, h={self.h:.3f})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Box) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)

    @property
    def is_whole(self) -> bool:
        return self.w >= 0.999 and self.h >= 0.999

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in pixels of a ``width`` x ``height`` photo, at least one pixel each way."""
        left, top = int(round(self.x * width)), int(round(self.y * height))
        right = max(left + 1, min(width, int(round((self.x + self.w) * width))))
        bottom = max(top + 1, min(height, int(round((self.y + self.h) * height))))
        return left, top, right, bottom


def crop_to_box(source: ImageSource, box: Box, *, quality: int = 92) -> bytes:
    """The region ``box`` of an (upright) photo as JPEG bytes, for embedding one garment of a photo that shows
    several. The whole photo's bytes come back unchanged when the box covers all of it."""
    if box.is_whole and isinstance(source, (bytes, bytearray)):
        return bytes(source)
    image = load_image(source)
    region = image.crop(box.pixels(*image.size))
    out = io.BytesIO()
    region.save(out, format="JPEG", quality=quality)
    return out.getvalue()
