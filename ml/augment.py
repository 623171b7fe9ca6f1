"""Training-time augmentation for the supervised fine-tuning: catalogue photos made to look like what the encoder
meets on the site.

On the site a closet photo reaches the encoder in one of three shapes: a catalogue-like photo on white, a cut-out
on white whose edge is not quite right (``ml.masks`` kept a rim of the bed or lost a sleeve tip), or the whole
home photo when background removal did not trust its mask. ``augment`` makes each of these from a catalogue photo
and its mask, under other light (white balance, exposure, gamma, a shading ramp), at another scale and place in the
frame, turned a little, sometimes blurred, noisy or mirrored.

This is deliberately not ``ml.homephotos``, the evaluation's generator: different backgrounds (blurred zooms into
*other* catalogue photos, i.e. real fabrics and prints, flat colours with sensor noise, two-colour ramps), a
different light model and different geometry, so the fine-tuning cannot learn the benchmark's own backgrounds.
Everything is drawn from the ``rng`` passed in, so a seed gives the same photos.
"""
from __future__ import annotations

import cv2
import numpy as np

KINDS = ("catalogue", "cutout", "scene")
KIND_SHARES = (0.3, 0.35, 0.35)  # catalogue photos, imperfect cut-outs on white, uncut scenes


def garment_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the mask's extent; the whole frame for an empty mask."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return 0, mask.shape[0], 0, mask.shape[1]
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _place(rgb: np.ndarray, mask: np.ndarray, *, size: int, fill: float, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """The garment scaled so its long side is ``fill`` of the frame, turned, mirrored and put somewhere in a square
    frame of ``size``; returns the (size, size, 3) float image on white and its (size, size) float mask."""
    top, bottom, left, right = garment_box(mask)
    crop, crop_mask = rgb[top:bottom, left:right], mask[top:bottom, left:right].astype(np.float32)
    scale = fill * size / max(crop.shape[:2])
    angle = rng.uniform(-9, 9) if rng.random() < 0.6 else 0.0
    h, w = crop.shape[:2]
    free_x, free_y = max(size - w * scale, 0), max(size - h * scale, 0)
    cx, cy = rng.uniform(0, free_x) + w * scale / 2, rng.uniform(0, free_y) + h * scale / 2
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += (cx - w / 2, cy - h / 2)
    image = cv2.warpAffine(crop.astype(np.float32), matrix, (size, size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))
    placed = cv2.warpAffine(crop_mask, matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=0)
    if rng.random() < 0.5:
        image, placed = image[:, ::-1], placed[:, ::-1]
    return image, placed


def _background(size: int, rng: np.random.Generator, texture: np.ndarray | None) -> np.ndarray:
    """A (size, size, 3) float background: a blurred zoom into another photo, a noisy flat colour or a ramp."""
    choice = rng.random()
    if texture is not None and choice < 0.45:
        th, tw = texture.shape[:2]
        side = max(4, int(min(th, tw) * rng.uniform(0.15, 0.4)))
        y, x = rng.integers(0, th - side + 1), rng.integers(0, tw - side + 1)
        patch = cv2.resize(texture[y : y + side, x : x + side].astype(np.float32), (size, size),
                           interpolation=cv2.INTER_CUBIC)
        return np.asarray(cv2.GaussianBlur(patch, (0, 0), rng.uniform(0.5, 2.5)), dtype=np.float32)
    colour = rng.uniform(30, 235, size=3)
    if choice < 0.75:
        image = np.broadcast_to(colour, (size, size, 3)).astype(np.float32).copy()
    else:
        other = np.clip(colour + rng.normal(0, 40, size=3), 0, 255)
        t = np.linspace(0, 1, size, dtype=np.float32)
        ramp = t[:, None] if rng.random() < 0.5 else t[None, :]
        ramp = np.broadcast_to(ramp, (size, size))[..., None]
        image = (colour * (1 - ramp) + other * ramp).astype(np.float32)
    return image + rng.normal(0, rng.uniform(1, 7), size=image.shape).astype(np.float32)


def _ragged(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cut-out mask with the errors background removal makes: grown or shrunk by a few pixels, blotchy edge."""
    binary = (mask > 0.5).astype(np.uint8)
    radius = int(rng.integers(1, 4))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    binary = np.asarray(cv2.dilate(binary, kernel) if rng.random() < 0.6 else cv2.erode(binary, kernel), np.uint8)
    edge = cv2.dilate(binary, kernel) - cv2.erode(binary, kernel)
    flips = (rng.random(binary.shape) < 0.25) & (edge > 0)
    binary = np.where(flips, 1 - binary, binary)
    return cv2.GaussianBlur(binary.astype(np.float32), (3, 3), 0)


def _relight(image: np.ndarray, rng: np.random.Generator, *, strength: float) -> np.ndarray:
    """Other light: per-channel gains (white balance), exposure, gamma and a linear shading ramp across the frame."""
    gains = np.clip(rng.normal(1.0, 0.07 * strength, size=3), 0.75, 1.25) * rng.uniform(1 - 0.25 * strength,
                                                                                      1 + 0.12 * strength)
    out = image * gains.astype(np.float32)
    size = image.shape[0]
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction) + 1e-9
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
    out = out * (1 + strength * rng.uniform(0, 0.25) * (direction[0] * yy + direction[1] * xx))[..., None]
    gamma = rng.uniform(1 - 0.2 * strength, 1 + 0.25 * strength)
    return 255.0 * (np.clip(out, 0, 255) / 255.0) ** gamma


def augment(rgb: np.ndarray, mask: np.ndarray, *, size: int, rng: np.random.Generator, kind: str | None = None,
            texture: np.ndarray | None = None) -> np.ndarray:
    """One training photo, (size, size, 3) uint8, from a catalogue photo (h, w, 3) uint8 and its garment mask.

    ``kind`` (one of ``KINDS``; drawn with ``KIND_SHARES`` when None): "catalogue" (on white, other light and
    place), "cutout" (the scene cut out again with a ragged mask onto pure white, as ``ml.masks.cutout_on_white``
    leaves it) or "scene" (the garment on a background, uncut). ``texture`` is another catalogue photo to zoom into
    for a background.
    """
    if kind is None:
        kind = KINDS[int(rng.choice(len(KINDS), p=KIND_SHARES))]
    if kind not in KINDS:
        raise ValueError(f"unknown augmentation kind {kind!r}; choose one of {', '.join(KINDS)}")
    fill = rng.uniform(0.75, 0.98) if kind != "scene" else rng.uniform(0.45, 0.9)
    image, placed = _place(rgb, mask, size=size, fill=fill, rng=rng)
    if kind == "catalogue":
        out = _relight(image, rng, strength=0.5)
    else:
        alpha = placed[..., None]
        scene = _relight(image * alpha + _background(size, rng, texture) * (1 - alpha), rng, strength=1.0)
        if kind == "cutout":
            keep = _ragged(placed, rng)[..., None]
            scene = scene * keep + 255.0 * (1 - keep)
        out = scene
    if rng.random() < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.4:
        out = out + rng.normal(0, rng.uniform(1, 5), size=out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)
