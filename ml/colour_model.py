"""Naming a garment's baseColour from its colour descriptor (``ml.colour``), with a confidence.

A multinomial logistic regression (``ml.gender.train_probe``: balanced classes, standardised features) over the
descriptor, its histograms square-rooted (the Hellinger map, under which a linear model separates histograms
better). The balanced fit gives likelihoods under equal priors; adding the log of each colour's share of the
training items turns them into posteriors for a catalogue as skewed as ours (a fifth of it is Black).

It learns from the catalogue's "train" split only (``ml.data.split_of``) and refuses any other id, so the
evaluation never scores a photo the model was fitted on. Each training photo is seen as it is and under
``augment`` random re-lightings of this module's own (``relight``: a coloured background instead of the white
sweep, a white-balance cast, exposure, a light falloff, a mask a pixel too wide or narrow, sensor noise), never
``ml.homephotos``, which is the evaluation's generator.

The fitted model is a small ``.npz`` (``ml/weights/colour.npz``), made by::

    .venv/bin/python -m ml.colour_model --data ../shared/datasets/fashion-products --out ml/weights/colour.npz

and loaded lazily, once per process (``default_classifier``); a missing file raises ``ColourWeightsMissing``
naming that command.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ml.colour import DEFAULT_CORRECTION, N_HISTOGRAMS, PROTOTYPES, describe
from ml.data import load_styles, split_of
from ml.gender import GenderProbe, train_probe
from ml.homephotos import catalogue_mask
from ml.images import load_image
from ml.weights import COLOUR_WEIGHTS

WEIGHTS_PATH = COLOUR_WEIGHTS
TRAIN_COMMAND = ("python -m ml.colour_model --data ../shared/datasets/fashion-products "
                 "--out ml/weights/colour.npz")
FORMAT = 1
MIN_PER_CLASS = 10  # training items a colour needs to be learnt at all (Lime Green has 4 in the whole catalogue)


class ColourWeightsMissing(FileNotFoundError):
    """The colour classifier's file is not there; the message says how to make it."""


@dataclass(frozen=True)
class ColourGuess:
    """The most likely baseColour, its probability, and the next ones' (best first)."""

    value: str
    confidence: float
    shares: dict[str, float]


def features(descriptors: np.ndarray) -> np.ndarray:
    """What the regression reads: the histograms square-rooted (Hellinger), the statistics as they are."""
    x = np.atleast_2d(np.asarray(descriptors, dtype=np.float32)).copy()
    k = N_HISTOGRAMS * len(PROTOTYPES)
    x[:, :k] = np.sqrt(np.clip(x[:, :k], 0.0, None))
    return x


@dataclass(frozen=True)
class ColourClassifier:
    """Softmax regression over ``features(descriptor)`` plus each colour's log prior share."""

    probe: GenderProbe
    log_prior: np.ndarray  # (n_classes,)
    correction: str  # the light correction its descriptors were made with
    fitted_count: int
    fitted_digest: str  # blake2b of the sorted ids it was fitted on
    fitted_ids: tuple[str, ...] = ()  # in memory after training only (the file keeps count and digest)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.probe.classes

    def proba(self, descriptors: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities, columns in ``classes`` order."""
        z = self.probe.logits(features(descriptors)) + self.log_prior
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, descriptors: np.ndarray) -> list[str]:
        return [self.classes[j] for j in self.proba(descriptors).argmax(axis=1)]

    def guess(self, descriptor: np.ndarray, *, top: int = 5) -> ColourGuess:
        p = self.proba(descriptor)[0]
        order = np.argsort(-p)[:top]
        shares = {self.classes[j]: float(p[j]) for j in order}
        return ColourGuess(value=self.classes[order[0]], confidence=float(p[order[0]]), shares=shares)


def ids_digest(ids: Iterable[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(ids)).encode(), digest_size=16).hexdigest()


def relight(rgb: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A catalogue photo under another light and on another background, with a slightly wrong mask (training only)."""
    img = rgb.astype(np.float32)
    height, width = mask.shape
    if rng.random() < 0.6:  # a household background instead of the white sweep
        hsv = np.array([[[rng.random() * 179, rng.choice([rng.uniform(0, 0.3), rng.uniform(0.3, 0.8)], p=[0.65, 0.35])
                          * 255, rng.uniform(0.25, 0.95) * 255]]], dtype=np.uint8)
        colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float32)
        texture = cv2.GaussianBlur(rng.random((height, width), dtype=np.float32), (0, 0), 3.0)
        background = colour * (1.0 + 0.08 * (texture - texture.mean()) / (texture.std() + 1e-6))[..., None]
        img = np.where(mask[..., None], img, background)
    edge = rng.random()
    kernel = np.ones((3, 3), np.uint8)
    if edge < 0.25:
        mask = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    elif edge < 0.4:
        eroded = cv2.erode(mask.astype(np.uint8), kernel).astype(bool)
        mask = eroded if eroded.sum() > 0.5 * mask.sum() else mask
    gains = rng.uniform(0.72, 1.15) * np.array([rng.uniform(0.85, 1.13), 1.0, rng.uniform(0.82, 1.13)], np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ly, lx = rng.uniform(0, height), rng.uniform(0, width)
    falloff = 1.0 - rng.uniform(0.0, 0.3) * np.hypot(xx - lx, yy - ly) / np.hypot(width, height)
    img = img * gains * falloff[..., None] + rng.normal(0, rng.uniform(1.0, 5.0), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8), mask


def training_descriptors(
    dataset_dir: Path | str, ids: Sequence[str] | None = None, *, augment: int = 1, seed: int = 0,
    correction: str = DEFAULT_CORRECTION,
) -> tuple[np.ndarray, list[str], list[str]]:
    """Descriptors, labels and item ids (one per row) of the train-split items of a dataset (or of ``ids`` among
    them): each photo as it is plus ``augment`` re-lit copies. Items of another split are skipped, whatever ``ids``
    says."""
    wanted = set(ids) if ids is not None else None
    rows, labels, fitted = [], [], []
    for item in load_styles(dataset_dir):
        if not item.base_colour or split_of(item.id) != "train" or (wanted is not None and item.id not in wanted):
            continue
        rgb = np.asarray(load_image(item.image_path(dataset_dir)), dtype=np.uint8)
        mask = catalogue_mask(rgb)
        rows.append(describe(rgb, mask, correction=correction))
        rng = np.random.default_rng([seed, int(item.id) if item.id.isdigit() else len(rows)])
        for _ in range(augment):
            rows.append(describe(*relight(rgb, mask, rng), correction=correction))
        labels += [item.base_colour] * (1 + augment)
        fitted += [item.id] * (1 + augment)
    return np.asarray(rows, dtype=np.float32).reshape(-1, len(rows[0]) if rows else 0), labels, fitted


def train_classifier(
    descriptors: np.ndarray, labels: Sequence[str], item_ids: Sequence[str], *,
    correction: str = DEFAULT_CORRECTION, min_per_class: int = MIN_PER_CLASS, max_per_class: int = 6000,
) -> ColourClassifier:
    """Fit on descriptors of train-split items, ``item_ids[i]`` the item row ``i`` came from (a re-lit copy
    shares its item's id). An id of the validation or evaluation split raises ValueError, before any fitting."""
    if not len(descriptors) == len(labels) == len(item_ids):
        raise ValueError(f"{len(descriptors)} descriptors, {len(labels)} labels, {len(item_ids)} ids")
    leaked = sorted({i for i in item_ids if split_of(i) != "train"})
    if leaked:
        raise ValueError(f"{len(leaked)} item(s) outside the train split, e.g. {leaked[:3]}")
    label_of = dict(zip(item_ids, labels))
    counts = Counter(v for v in label_of.values() if v)  # items, not rows
    kept = [v if counts[v] >= min_per_class else "" for v in labels]
    probe = train_probe(features(descriptors), kept, max_per_class=max_per_class, min_per_class=2)
    share = np.asarray([counts[c] for c in probe.classes], dtype=np.float64)
    unique_ids = tuple(sorted(label_of))
    return ColourClassifier(
        probe=probe, log_prior=np.log(share / share.sum()).astype(np.float32), correction=correction,
        fitted_count=len(unique_ids), fitted_digest=ids_digest(unique_ids), fitted_ids=unique_ids,
    )


def save_classifier(model: ColourClassifier, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "correction": model.correction, "fitted_count": model.fitted_count,
            "fitted_digest": model.fitted_digest, "command": TRAIN_COMMAND}
    p = model.probe
    np.savez(path, classes=np.asarray(p.classes), weights=p.weights.astype(np.float32), bias=p.bias,
             mean=p.mean, scale=p.scale, log_prior=model.log_prior, meta=np.asarray(json.dumps(meta)))
    return path


def load_classifier(path: Path | str = WEIGHTS_PATH) -> ColourClassifier:
    """The classifier saved at ``path``; ``ColourWeightsMissing`` (naming the command that makes it) if absent."""
    path = Path(path)
    if not path.is_file():
        raise ColourWeightsMissing(f"colour classifier not found at {path}; make it with: {TRAIN_COMMAND}")
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: colour classifier format {meta.get('format')}, this code reads {FORMAT}")
        probe = GenderProbe(classes=tuple(str(c) for c in data["classes"]), weights=data["weights"],
                            bias=data["bias"], mean=data["mean"], scale=data["scale"])
        return ColourClassifier(probe=probe, log_prior=data["log_prior"], correction=meta["correction"],
                                fitted_count=int(meta["fitted_count"]), fitted_digest=meta["fitted_digest"])


@functools.lru_cache(maxsize=1)
def default_classifier() -> ColourClassifier:
    """The shipped classifier, loaded on first use and kept for the process."""
    return load_classifier(WEIGHTS_PATH)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fit the colour classifier on a dataset's train split.")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=str(WEIGHTS_PATH))
    parser.add_argument("--augment", type=int, default=1, help="re-lit copies per training photo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--correction", default=DEFAULT_CORRECTION)
    args = parser.parse_args()
    start = time.perf_counter()
    x, labels, ids = training_descriptors(args.data, augment=args.augment, seed=args.seed, correction=args.correction)
    model = train_classifier(x, labels, ids, correction=args.correction)
    path = save_classifier(model, args.out)
    print(f"{len(set(ids))} train items x {1 + args.augment} photos, {len(model.classes)} colours, "
          f"{time.perf_counter() - start:.0f} s -> {path} ({path.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
