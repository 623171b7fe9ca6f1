"""Home-style photos made from catalogue photos: the benchmark of how the encoder copes with what users upload.

People photograph their clothes on a bed, a floor or a blanket, not on a white sweep. This module turns a catalogue
photo (a product on white) into such a photo, deterministically: the garment is cut out of its white background,
scaled and placed off-centre on a varied background (plain colours, gradients, wood-, fabric- and carpet-like
textures, a blanket check, a little clutter), turned a little, lit and white-balanced differently, given a soft
shadow and sensor noise, and saved as a JPEG at a phone-like size. The garment's true mask in the output is known,
so background removal (``ml.masks``) can be scored by IoU.

This is an *evaluation* generator. Training must use its own augmentation, never this code, so a model is not tuned
to the very backgrounds it is then measured on.

Determinism: every photo's randomness comes from ``numpy.random.default_rng([seed, key])`` where ``key`` is a stable
hash of the item's id, so a photo does not depend on which other photos were made before it or in which order.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter

from ml.images import ImageSource, load_image

BACKGROUNDS = ("plain", "gradient", "wood", "fabric", "carpet", "blanket")
# A catalogue pixel this close to white on every channel is background (the sweep, its JPEG noise, soft shadows).
NEAR_WHITE = 232


@dataclass(frozen=True)
class HomePhoto:
    """One generated photo: its JPEG bytes, the garment's true mask at the photo's size, and how it was made."""

    jpeg: bytes
    mask: np.ndarray  # (height, width) bool, True on the garment
    background: str
    size: tuple[int, int]  # (width, height)

    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.jpeg)).convert("RGB")


def item_key(item_id: str | int) -> int:
    """A stable 32-bit key for an item id (Python's hash() changes between processes)."""
    return int.from_bytes(hashlib.blake2b(str(item_id).encode(), digest_size=4).digest(), "little")


def catalogue_mask(rgb: np.ndarray, *, near_white: int = NEAR_WHITE) -> np.ndarray:
    """The foreground of a catalogue photo on white: everything except the near-white region connected to the border.

    White parts *inside* the garment (a white shirt's front enclosed by its outline) stay foreground because they do
    not touch the border through near-white pixels.
    """
    white = (rgb.min(axis=2) >= near_white).astype(np.uint8)
    height, width = white.shape
    # Pad with a white frame so one flood fill from a corner reaches every border-connected white pixel.
    padded = np.pad(white, 1, constant_values=1)
    _, labels = cv2.connectedComponents(padded, connectivity=4)
    background = labels == labels[0, 0]
    return ~background[1 : height + 1, 1 : width + 1]


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Band-limited noise in [0, 1]: white noise blurred at ``scale`` pixels."""
    sigma = max(0.5, scale)
    noise = np.asarray(cv2.GaussianBlur(rng.random(shape, dtype=np.float32), (0, 0), sigma))
    lo, hi = float(noise.min()), float(noise.max())
    return (noise - lo) / (hi - lo + 1e-6)


def _palette_colour(rng: np.random.Generator, *, light: tuple[float, float] = (0.25, 0.9)) -> np.ndarray:
    """A household colour: mostly muted (bedding, floors, walls), sometimes saturated (a coloured blanket)."""
    hue = rng.random()
    saturation = rng.choice([rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.8)], p=[0.65, 0.35])
    value = rng.uniform(*light)
    hsv = np.array([[[hue * 179, saturation * 255, value * 255]]], dtype=np.uint8)
    return np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))[0, 0].astype(np.float32)


def _background(rng: np.random.Generator, kind: str, width: int, height: int) -> np.ndarray:
    """A (height, width, 3) float32 background in 0..255."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = _palette_colour(rng)
    if kind == "plain":
        img = np.broadcast_to(base, (height, width, 3)).copy()
        img += (_smooth_noise(rng, (height, width), 40)[..., None] - 0.5) * 18
    elif kind == "gradient":
        other = _palette_colour(rng)
        angle = rng.uniform(0, np.pi)
        t = (np.cos(angle) * xx + np.sin(angle) * yy)
        t = (t - t.min()) / (np.ptp(t) + 1e-6)
        img = base * (1 - t[..., None]) + other * t[..., None]
    elif kind == "wood":
        wood = _palette_colour(rng, light=(0.3, 0.7))
        period = rng.uniform(10, 30)
        warp = _smooth_noise(rng, (height, width), 25) * rng.uniform(10, 40)
        grain = 0.5 + 0.5 * np.sin((yy + warp) / period * 2 * np.pi)
        planks = (np.floor(xx / rng.uniform(60, 140)) % 2) * rng.uniform(0.0, 0.12)
        shade = 0.78 + 0.22 * grain - planks
        img = wood * shade[..., None]
    elif kind == "fabric":
        period = rng.uniform(3, 7)
        weave = 0.5 + 0.25 * (np.sin(xx / period * 2 * np.pi) + np.sin(yy / period * 2 * np.pi))
        folds = _smooth_noise(rng, (height, width), 30)
        img = base * (0.82 + 0.1 * weave + 0.16 * (folds - 0.5))[..., None]
    elif kind == "carpet":
        fine = _smooth_noise(rng, (height, width), 1.2)
        coarse = _smooth_noise(rng, (height, width), 12)
        img = base * (0.7 + 0.3 * fine * 0.6 + 0.3 * coarse * 0.4)[..., None] * 1.1
    elif kind == "blanket":
        other = _palette_colour(rng)
        check = rng.uniform(25, 70)
        stripes_x = (np.floor(xx / check) % 2)[..., None]
        stripes_y = (np.floor(yy / check) % 2)[..., None]
        mix = 0.5 * stripes_x + 0.5 * stripes_y
        img = base * (1 - mix) + other * mix
        img *= (0.85 + 0.2 * _smooth_noise(rng, (height, width), 35))[..., None]
    else:  # pragma: no cover - BACKGROUNDS is closed
        raise ValueError(f"unknown background {kind!r}")
    return np.clip(img, 0, 255).astype(np.float32)


def _add_clutter(rng: np.random.Generator, img: np.ndarray, keep_out: tuple[int, int, int, int]) -> None:
    """A few household objects at the edges (a phone, a book corner, a mug): never over the garment's box."""
    height, width = img.shape[:2]
    x0, y0, x1, y1 = keep_out
    for _ in range(int(rng.integers(0, 3))):
        w, h = int(rng.uniform(0.08, 0.22) * width), int(rng.uniform(0.06, 0.18) * height)
        side = rng.integers(4)
        if side == 0:
            x, y = int(rng.uniform(-0.5, 0.3) * w), int(rng.uniform(0, height - h))
        elif side == 1:
            x, y = int(width - w * rng.uniform(0.5, 1.0)), int(rng.uniform(0, height - h))
        elif side == 2:
            x, y = int(rng.uniform(0, width - w)), int(rng.uniform(-0.5, 0.3) * h)
        else:
            x, y = int(rng.uniform(0, width - w)), int(height - h * rng.uniform(0.5, 1.0))
        if x < x1 and x + w > x0 and y < y1 and y + h > y0:
            continue
        colour = _palette_colour(rng, light=(0.1, 0.95))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x, y), (x + w, y + h), colour.tolist(), thickness=-1)
        else:
            cv2.ellipse(img, (x + w // 2, y + h // 2), (w // 2, h // 2), 0, 0, 360, colour.tolist(), thickness=-1)


def make_home_photo(source: ImageSource, *, seed: int, key: int = 0, long_side: int | None = None) -> HomePhoto:
    """Turn one catalogue photo into a home-style photo. Same (source, seed, key) -> the same bytes and mask."""
    rng = np.random.default_rng([seed, key])
    rgb = np.asarray(load_image(source), dtype=np.uint8)
    mask = catalogue_mask(rgb)
    if mask.sum() < 16:  # nothing but white: keep the whole picture as the "garment"
        mask = np.ones(mask.shape, dtype=bool)
    ys, xs = np.nonzero(mask)
    crop = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    garment = rgb[crop[1] : crop[3], crop[0] : crop[2]]
    alpha = mask[crop[1] : crop[3], crop[0] : crop[2]].astype(np.uint8) * 255

    # Phone-like frame: portrait most of the time, long side 480-640 px (the catalogue photos are 60x80, so larger
    # only adds upsampling blur that a real phone photo would not have).
    long_side = long_side or int(rng.integers(480, 641))
    portrait = rng.random() < 0.75
    short_side = int(long_side * rng.choice([0.75, 0.8, 1.0], p=[0.6, 0.2, 0.2]))
    width, height = (short_side, long_side) if portrait else (long_side, short_side)

    # The garment fills 40-75 % of the frame's height (or width), off-centre, turned up to 12 degrees.
    gh, gw = garment.shape[:2]
    scale = rng.uniform(0.4, 0.75) * min(height / gh, width / gw)
    new_w, new_h = max(2, int(gw * scale)), max(2, int(gh * scale))
    g_img = Image.fromarray(garment).resize((new_w, new_h), Image.Resampling.BICUBIC)
    g_alpha = Image.fromarray(alpha).resize((new_w, new_h), Image.Resampling.BILINEAR)
    angle = float(rng.uniform(-12, 12))
    g_img = g_img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))
    g_alpha = g_alpha.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=0)
    rw, rh = g_img.size
    if rw > width or rh > height:  # the turn made it too wide for the frame: shrink to fit
        fit = min(width / rw, height / rh) * 0.95
        rw, rh = max(2, int(rw * fit)), max(2, int(rh * fit))
        g_img = g_img.resize((rw, rh), Image.Resampling.BICUBIC)
        g_alpha = g_alpha.resize((rw, rh), Image.Resampling.BILINEAR)
    cx = (width - rw) / 2 + rng.uniform(-0.3, 0.3) * (width - rw)
    cy = (height - rh) / 2 + rng.uniform(-0.3, 0.3) * (height - rh)
    left, top = int(np.clip(cx, 0, width - rw)), int(np.clip(cy, 0, height - rh))

    kind = str(rng.choice(BACKGROUNDS))
    canvas = _background(rng, kind, width, height)
    _add_clutter(rng, canvas, (left, top, left + rw, top + rh))

    a = np.zeros((height, width), dtype=np.float32)
    a[top : top + rh, left : left + rw] = np.asarray(g_alpha, dtype=np.float32) / 255.0
    fg = np.zeros((height, width, 3), dtype=np.float32)
    fg[top : top + rh, left : left + rw] = np.asarray(g_img, dtype=np.float32)

    # A soft shadow: the garment's silhouette, shifted toward a light source and blurred, darkens what is under it.
    dx, dy = rng.uniform(-0.03, 0.03) * width, rng.uniform(0.0, 0.04) * height
    shift = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    shadow = cv2.warpAffine(a, shift, (width, height))
    shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(4, 12)) * rng.uniform(0.25, 0.5)
    canvas *= (1 - shadow)[..., None]
    # Soften the cut edge a little, as a real edge against a blanket is not a hard line.
    a_soft = cv2.GaussianBlur(a, (0, 0), 0.8)
    img = canvas * (1 - a_soft[..., None]) + fg * a_soft[..., None]

    # Lighting: exposure, white balance (warm lamp to cool window light) and a light falloff across the frame.
    gains = rng.uniform(0.75, 1.12) * np.array([rng.uniform(0.88, 1.1), 1.0, rng.uniform(0.85, 1.1)], dtype=np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    lx, ly = rng.uniform(0, width), rng.uniform(0, height)
    falloff = 1.0 - rng.uniform(0.05, 0.3) * np.hypot(xx - lx, yy - ly) / np.hypot(width, height)
    img = img * gains * falloff[..., None]
    img += rng.normal(0, rng.uniform(1.5, 5.0), img.shape).astype(np.float32)
    out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    if rng.random() < 0.3:  # slight focus blur
        out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    buffer = io.BytesIO()
    out.save(buffer, format="JPEG", quality=int(rng.integers(70, 93)))
    return HomePhoto(jpeg=buffer.getvalue(), mask=a >= 0.5, background=kind, size=(width, height))


def home_photo_for_item(image_path: ImageSource, item_id: str | int, *, seed: int) -> HomePhoto:
    """The home photo of one catalogue item under one seed (the evaluation's entry point)."""
    return make_home_photo(image_path, seed=seed, key=item_key(item_id))
