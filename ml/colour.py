"""A colour descriptor from a garment's own pixels, robust to the light a photo was taken in.

The CNN's vector mixes colour with shape, background and light, so a colour tag voted by a photo's nearest shop
items (``ml.autotag``) falls from about 0.49 on catalogue photos to 0.40 on home photos. This module describes the
colour of the pixels under the garment's mask (``ml.masks.foreground``) directly:

1. **Pixels.** The mask is pulled in by a pixel or two (its edge mixes garment and background) and sampled to at
   most ``MAX_PIXELS`` pixels on a regular grid (a 640 px phone photo and a 60x80 catalogue photo cost the same).
2. **Light correction** (``correct_light``), from the pixels *outside* the mask, never the garment's own:
   ``"white-patch"`` takes the bright end of the background as the light's colour when that end is nearly
   neutral (a white sweep, a white sheet) and leaves the photo alone otherwise; ``"grey-world"`` takes the
   background's mean as grey; ``"none"`` does nothing. bench/colour.py measures which helps (docs/evaluation.md).
3. **Descriptor** (``describe``): every pixel in CIELAB is softly assigned to ``PROTOTYPES``, a fixed set of named
   colours (weights ``exp(-d^2 / 2 sigma^2)`` normalised per pixel); the mean over the whole garment and over its
   core (the half of its pixels furthest from the mask's edge, where a model's skin or the next garment rarely
   is) are two histograms, followed by lightness and chroma statistics. ``DIM`` floats, deterministic.

``ml.colour_model`` names the baseColour from a descriptor; ``rerank`` (here) lifts find-similar candidates of the
query's colour. Pure numpy and OpenCV; no Django.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ml.images import ImageSource, load_image

# Named colour prototypes in sRGB; their CIELAB values are what the histogram uses. Not the 46 baseColours (many
# of those are shades of one another: "Navy Blue" / "Blue", "Off White" / "Cream"): a basis a classifier reads.
PROTOTYPES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("black", (18, 18, 20)), ("charcoal", (58, 58, 62)), ("grey", (125, 125, 128)), ("light grey", (190, 190, 192)),
    ("white", (246, 246, 246)), ("cream", (240, 230, 200)), ("beige", (212, 192, 160)), ("khaki", (170, 160, 110)),
    ("tan", (182, 140, 100)), ("brown", (112, 70, 42)), ("dark brown", (62, 40, 30)), ("skin", (226, 180, 150)),
    ("red", (200, 30, 40)), ("maroon", (110, 25, 40)), ("pink", (240, 150, 180)), ("magenta", (200, 40, 140)),
    ("purple", (100, 50, 130)), ("lavender", (180, 160, 210)), ("navy", (30, 35, 80)), ("blue", (40, 90, 190)),
    ("light blue", (140, 180, 225)), ("teal", (20, 120, 120)), ("turquoise", (60, 200, 200)),
    ("green", (40, 140, 60)), ("dark green", (30, 70, 40)), ("olive", (110, 110, 50)), ("lime", (170, 210, 60)),
    ("yellow", (240, 210, 40)), ("mustard", (200, 160, 40)), ("orange", (240, 120, 30)), ("peach", (250, 180, 140)),
    ("gold", (190, 160, 90)),
)
SIGMA = 14.0  # Lab units: a pixel halfway between two neighbouring prototypes shares itself between them
MAX_PIXELS = 3000
N_STATS = 10
N_HISTOGRAMS = 3  # the whole garment, its core, and its pixels other than white
DIM = N_HISTOGRAMS * len(PROTOTYPES) + N_STATS
# White or near-white pixels inside a mask are often not the garment's colour (a watch's face, a shoe's lining, a
# print on a shirt); the third histogram leaves them out, so a grey shirt with a white print is still read grey.
WHITE_L, WHITE_CHROMA = 88.0, 8.0
CORRECTIONS = ("none", "white-patch", "grey-world")
DEFAULT_CORRECTION = "white-patch"  # level with "none" on bench/colour.py, grey-world -0.07 (docs/evaluation.md)
NEUTRAL_CHROMA = 10.0  # a background's bright end more colourful than this (Lab chroma) is a coloured sheet
MAX_GAIN = 1.35  # a correction never scales a channel by more than this (or less than its inverse)
RERANK_WEIGHT = 0.15  # bench/colour_rerank.py: +0.019 P@10 type+colour for -0.004 type (docs/evaluation.md)


def _lab(rgb01: np.ndarray) -> np.ndarray:
    """(n, 3) float32 sRGB in 0..1 -> (n, 3) CIELAB (L 0..100)."""
    pixels = np.ascontiguousarray(rgb01, dtype=np.float32).reshape(-1, 1, 3)
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2LAB).reshape(-1, 3)


_PROTOTYPE_LAB = _lab(np.asarray([rgb for _, rgb in PROTOTYPES], dtype=np.float32) / 255.0)


def _as_rgb(source: ImageSource | np.ndarray) -> np.ndarray:
    return source if isinstance(source, np.ndarray) else np.asarray(load_image(source), dtype=np.uint8)


def _grid(count: int, limit: int) -> np.ndarray:
    """At most ``limit`` evenly spaced indices of ``count`` (deterministic, unlike a random sample)."""
    if count <= limit:
        return np.arange(count)
    return np.linspace(0, count - 1, limit).round().astype(np.int64)


def _inner(mask: np.ndarray) -> np.ndarray:
    """The mask pulled in by ~0.5 % of the frame, unless that would lose half of it (a thin strap)."""
    edge = max(1, round(min(mask.shape) / 200))
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * edge + 1, 2 * edge + 1), np.uint8)).astype(bool)
    return inner if inner.sum() >= 0.5 * mask.sum() else mask


def correct_light(rgb: np.ndarray, mask: np.ndarray, method: str = DEFAULT_CORRECTION) -> np.ndarray:
    """Per-channel gains (3,) that make the estimated light neutral, from the pixels outside ``mask``.

    ``"white-patch"``: the background's brightest tenth is taken as white when its colour is nearly neutral and
    bright (a white sweep or sheet under a warm or cool light); the gains also undo under-exposure. Any other
    background (a wooden floor, a red blanket) says nothing certain about the light: gains of 1.
    ``"grey-world"``: the background's mean is taken as grey (chromatic gains only, the mean level is kept).
    A mask of the whole frame (no background) gives gains of 1 for both.
    """
    if method not in CORRECTIONS:
        raise ValueError(f"unknown light correction {method!r}; one of {', '.join(CORRECTIONS)}")
    ones = np.ones(3, dtype=np.float32)
    if method == "none":
        return ones
    background = rgb[~mask]
    if len(background) < 50:
        return ones
    background = background[_grid(len(background), 5000)].astype(np.float32)
    if method == "grey-world":
        mean = background.mean(axis=0) + 1.0
        gains = mean.mean() / mean
    else:
        level = background.sum(axis=1)
        bright = background[level >= np.percentile(level, 90)]
        white = bright.mean(axis=0) + 1.0
        lab = _lab(white[None] / 255.0)[0]
        if lab[0] < 70 or float(np.hypot(lab[1], lab[2])) > NEUTRAL_CHROMA:
            return ones
        gains = 245.0 / white
        gains = gains / max(1.0, float(gains.min()))  # undo a tint and under-exposure, never brighten past white
    return np.clip(gains, 1 / MAX_GAIN, MAX_GAIN).astype(np.float32)


def garment_lab(rgb: np.ndarray, mask: np.ndarray, *, correction: str = DEFAULT_CORRECTION,
                max_pixels: int = MAX_PIXELS) -> tuple[np.ndarray, np.ndarray]:
    """The garment's sampled pixels in CIELAB (n, 3), light-corrected, and each one's depth in the mask (n,)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask {mask.shape} does not match the photo {rgb.shape[:2]}")
    if not mask.any():
        mask = np.ones(mask.shape, dtype=bool)
    gains = correct_light(rgb, mask, correction)
    inner = _inner(mask)
    depth = cv2.distanceTransform(np.pad(inner, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    ys, xs = np.nonzero(inner)
    pick = _grid(len(ys), max_pixels)
    ys, xs = ys[pick], xs[pick]
    pixels = np.clip(rgb[ys, xs].astype(np.float32) * gains / 255.0, 0.0, 1.0)
    return _lab(pixels), depth[ys, xs]


def soft_histogram(lab: np.ndarray, *, sigma: float = SIGMA) -> np.ndarray:
    """Mean soft assignment of Lab pixels (n, 3) to ``PROTOTYPES``: (K,) summing to 1."""
    # |x - p|^2 without the (n, K, 3) array: the pixel's own |x|^2 cancels in the per-pixel normalisation.
    d2 = (_PROTOTYPE_LAB**2).sum(axis=1)[None, :] - 2.0 * (lab @ _PROTOTYPE_LAB.T)
    logits = -(d2 - d2.min(axis=1, keepdims=True)) / (2 * sigma**2)
    weights = np.exp(logits)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights.mean(axis=0).astype(np.float32)


def _stats(lab: np.ndarray) -> np.ndarray:
    lightness, a, b = lab[:, 0] / 100.0, lab[:, 1] / 100.0, lab[:, 2] / 100.0
    chroma = np.hypot(a, b)
    p10, p50, p90 = np.percentile(lightness, [10, 50, 90])
    return np.asarray(
        [lightness.mean(), lightness.std(), p10, p50, p90, chroma.mean(), np.percentile(chroma, 90),
         a.mean(), b.mean(), ((lightness >= WHITE_L / 100) & (chroma <= WHITE_CHROMA / 100)).mean()],
        dtype=np.float32,
    )


def describe(source: ImageSource | np.ndarray, mask: np.ndarray | None = None, *,
             correction: str = DEFAULT_CORRECTION) -> np.ndarray:
    """The colour descriptor (``DIM`` float32) of the garment under ``mask`` (None: ``ml.masks.foreground``'s)."""
    rgb = _as_rgb(source)
    if mask is None:
        from ml.masks import foreground  # GrabCut's module is only needed when the caller has no mask

        mask = foreground(rgb).mask
    lab, depth = garment_lab(rgb, mask, correction=correction)
    core = lab[depth >= np.median(depth)]
    tinted = lab[(lab[:, 0] < WHITE_L) | (np.hypot(lab[:, 1], lab[:, 2]) > WHITE_CHROMA)]
    return np.concatenate([
        soft_histogram(lab), soft_histogram(core if len(core) else lab),
        soft_histogram(tinted if len(tinted) else lab), _stats(lab),
    ])


def histogram_part(descriptors: np.ndarray) -> np.ndarray:
    """The whole-garment colour histogram(s) of descriptor(s): (..., K)."""
    return np.asarray(descriptors, dtype=np.float32)[..., : len(PROTOTYPES)]


def colour_similarity(query: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Bhattacharyya coefficient of the query's colour histogram with each candidate's: 1 same colours, 0 disjoint."""
    q = np.sqrt(np.clip(histogram_part(query), 0, None))
    c = np.sqrt(np.clip(histogram_part(np.atleast_2d(candidates)), 0, None))
    return (c @ q).astype(np.float32)


def rerank(query: np.ndarray, candidates: np.ndarray, scores: Sequence[float] | np.ndarray, *,
           weight: float = RERANK_WEIGHT) -> tuple[np.ndarray, np.ndarray]:
    """Candidates' order (indices, best first) and blended scores: ``score + weight * colour_similarity``.

    ``scores`` are the candidates' similarities to the query (higher is better, e.g. cosine in 0..1); ``weight``
    is how much a perfect colour match is worth on that scale: 0.15 lifts a same-colour candidate over a
    different-colour one whose score is up to 0.15 higher, and never over one far closer in shape. Ties keep the
    original order (a stable sort).
    """
    scores = np.asarray(scores, dtype=np.float32)
    if len(scores) != len(np.atleast_2d(candidates)):
        raise ValueError(f"{len(scores)} scores but {len(np.atleast_2d(candidates))} candidates")
    blended = scores + weight * colour_similarity(query, candidates)
    order = np.argsort(-blended, kind="stable")
    return order, blended
