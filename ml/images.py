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
