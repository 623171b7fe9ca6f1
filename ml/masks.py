"""Background removal for closet photos and find-similar uploads: a foreground mask and a cut-out on white.

The encoder learnt from catalogue photos, where the product stands on white and fills the frame. A photo taken at
home has a bed, a floor or a blanket around a garment that fills half the frame, so the cut-out is what gets
embedded: the garment's pixels, composited on white and cropped to the garment with a small margin, which is what a
catalogue photo looks like. The original photo is always kept; this only makes the embedding's input.

Two steps, cheapest first:
1. **White border** (a catalogue photo, a photo on a white sheet): when nearly all of the frame's border is
   near-white, the background is the near-white region connected to the border (``ml.homephotos.catalogue_mask``).
   No iterations, a few milliseconds.
2. **GrabCut** (OpenCV): the frame's outer ring is taken as certain background and the rest as probable
   foreground; GrabCut fits colour mixtures to both and cuts along the image's edges. It runs on a copy whose long
   side is ``GRABCUT_SIDE`` pixels (the mask only needs the garment's outline, and GrabCut's cost grows with the
   pixels: bench/masks.py found 192 px twice as slow as 128 px for no better IoU), then the mask is cleaned (small
   islands dropped, holes filled) and scaled back up.

A mask that is implausible (almost nothing, or almost the whole frame) is not trusted: the caller gets
``method="none"`` with an all-true mask, so a bad cut never loses the garment.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ml.homephotos import NEAR_WHITE, catalogue_mask
from ml.images import ImageSource, load_image

GRABCUT_SIDE = 128  # long side of the copy GrabCut runs on (bench/masks.py: 192 px gave no better IoU)
GRABCUT_ITERATIONS = 3
GRABCUT_SEED = 12345
BORDER_RING = 0.04  # share of the short side taken as certain background
WHITE_BORDER_SHARE = 0.7  # border share near-white -> white-border path (a model cut by the frame: ~10 % not white)
MIN_AREA, MAX_AREA = 0.02, 0.96  # plausible share of the frame covered by the garment
KEEP_PART = 0.35  # a second part of the mask is kept when it is this large against the largest (a pair of shoes)


@dataclass(frozen=True)
class Foreground:
    """A garment's mask in a photo and how it was found ("white-border", "grabcut" or "none": not trusted)."""

    mask: np.ndarray  # (height, width) bool
    method: str

    @property
    def area(self) -> float:
        return float(self.mask.mean())


def _border(rgb: np.ndarray, width: int) -> np.ndarray:
    return np.concatenate(
        [
            rgb[:width].reshape(-1, 3), rgb[-width:].reshape(-1, 3),
            rgb[:, :width].reshape(-1, 3), rgb[:, -width:].reshape(-1, 3),
        ]
    )


def has_white_border(rgb: np.ndarray, *, near_white: int = NEAR_WHITE) -> bool:
    """Whether the frame's outer ring is (almost all) near-white, as on a catalogue photo."""
    ring = max(1, round(min(rgb.shape[:2]) * 0.02))
    border = _border(rgb, ring)
    return bool((border.min(axis=1) >= near_white).mean() >= WHITE_BORDER_SHARE)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Keep the large connected parts (a garment may be in two pieces: a pair of shoes) and fill their holes."""
    mask_u8 = mask.astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask_u8, connectivity=8)
    if count <= 1:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= KEEP_PART * areas.max()) + 1
    kept = np.isin(labels, keep)
    # Holes: background regions not connected to the border.
    padded = np.pad(~kept, 1, constant_values=True).astype(np.uint8)
    _, bg_labels = cv2.connectedComponents(padded, connectivity=4)
    outside = (bg_labels == bg_labels[0, 0])[1:-1, 1:-1]
    return ~outside


def grabcut_mask(rgb: np.ndarray, *, side: int = GRABCUT_SIDE, iterations: int = GRABCUT_ITERATIONS) -> np.ndarray:
    """GrabCut with the outer ring as background, on a copy with long side ``side``; the mask at full size."""
    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(height, width))
    small = cv2.resize(rgb, (max(8, round(width * scale)), max(8, round(height * scale))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    ring = max(2, round(min(sh, sw) * BORDER_RING))
    labels = np.full((sh, sw), cv2.GC_PR_FGD, dtype=np.uint8)
    labels[:ring], labels[-ring:], labels[:, :ring], labels[:, -ring:] = (cv2.GC_BGD,) * 4
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(small[..., ::-1])
    # GrabCut seeds its colour mixtures from OpenCV's global random state: without a fixed seed the same photo
    # could get a slightly different cut-out (and vector) on every embedding.
    cv2.setRNGSeed(GRABCUT_SEED)
    cv2.grabCut(bgr, labels, (0, 0, sw, sh), bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)  # rect unused with a mask
    fg = ((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    fg = _clean(fg.astype(bool)).astype(np.float32)
    full = cv2.resize(fg, (width, height), interpolation=cv2.INTER_LINEAR)
    return full >= 0.5


def foreground(source: ImageSource | np.ndarray) -> Foreground:
    """The garment's mask: the white-border path when the border is white, else GrabCut; "none" when implausible."""
    rgb = source if isinstance(source, np.ndarray) else np.asarray(load_image(source), dtype=np.uint8)
    if has_white_border(rgb):
        mask, method = catalogue_mask(rgb), "white-border"
    else:
        mask, method = grabcut_mask(rgb), "grabcut"
    if not MIN_AREA <= mask.mean() <= MAX_AREA:
        return Foreground(mask=np.ones(rgb.shape[:2], dtype=bool), method="none")
    return Foreground(mask=mask, method=method)


def cutout_on_white(source: ImageSource | np.ndarray, mask: np.ndarray, *, margin: float = 0.06) -> Image.Image:
    """The masked pixels on white, cropped to the mask's box plus ``margin`` of its size on each side."""
    rgb = source if isinstance(source, np.ndarray) else np.asarray(load_image(source), dtype=np.uint8)
    if mask.all():
        return Image.fromarray(rgb)
    # Pull the edge in by ~0.5 % of the frame: the outermost pixels of a cut mix garment and background colour.
    edge = max(1, round(min(mask.shape) / 200))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * edge + 1, 2 * edge + 1), np.uint8)).astype(bool)
    if inner.sum() >= 0.5 * mask.sum():
        mask = inner
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 0.7)[..., None]
    composite = (rgb.astype(np.float32) * soft + 255.0 * (1 - soft)).round().astype(np.uint8)
    ys, xs = np.nonzero(mask)
    pad_x, pad_y = round((xs.max() - xs.min() + 1) * margin), round((ys.max() - ys.min() + 1) * margin)
    x0, x1 = max(0, xs.min() - pad_x), min(rgb.shape[1], xs.max() + 1 + pad_x)
    y0, y1 = max(0, ys.min() - pad_y), min(rgb.shape[0], ys.max() + 1 + pad_y)
    return Image.fromarray(composite[y0:y1, x0:x1])


@dataclass(frozen=True)
class EmbeddingPhoto:
    """A closet photo prepared for the encoder: its pixels, its garment mask, and the cut-out (None when the photo
    is read as it is: already on white, or a mask not trusted)."""

    rgb: np.ndarray
    foreground: Foreground
    cutout: Image.Image | None


def prepare_for_embedding(source: ImageSource) -> EmbeddingPhoto:
    """The one rule of what the encoder sees of a closet photo, with the mask it was decided from (so the colour
    model can read the same garment pixels without masking twice): a photo already on white as it is (the shop's
    catalogue photos are embedded uncropped, so a garment photographed like a catalogue item keeps that item's
    vector and is still recognised as a duplicate of it), any other photo cut out on white; a mask it cannot trust
    leaves it as is."""
    rgb = np.asarray(load_image(source), dtype=np.uint8)
    found = foreground(rgb)
    cut = None if found.method in ("white-border", "none") else cutout_on_white(rgb, found.mask)
    return EmbeddingPhoto(rgb, found, cut)


def photo_for_embedding(source: ImageSource) -> ImageSource | Image.Image:
    """What the encoder should see of a closet photo (``prepare_for_embedding``): the cut-out, or ``source``."""
    cut = prepare_for_embedding(source).cutout
    return source if cut is None else cut


def iou(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two boolean masks of one size (1.0 when both are empty)."""
    union = np.logical_or(predicted, truth).sum()
    return 1.0 if union == 0 else float(np.logical_and(predicted, truth).sum() / union)
