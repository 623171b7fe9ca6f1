"""Colour descriptor: baseColour top-1 on catalogue and home photos, each light correction, and ms per photo.

    .venv/bin/python bench/colour.py [--data ../shared/datasets/fashion-products] [--n 1500] [--seed 1]
                                     [--train 6000] [--weights ml/weights/colour.npz]

The photos are ``--n`` evaluation-split items (``ml.data.split_of``) that have a baseColour, taken evenly through
the CSV: each catalogue photo as it is (its mask from ``ml.masks.foreground``, the white-border path) and its home
photo (``ml.homephotos``, under ``--seed``; the mask GrabCut finds, not the generator's true one, as the product
would see it). For each light correction a classifier is fitted on the first ``--train`` train-split items (with
``ml.colour_model``'s own re-lighting, one copy each) and scored on both; ``--weights`` adds the shipped
classifier's row (its own correction). ms per photo is the descriptor alone, the mask not counted (bench/masks.py
times that).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.colour import CORRECTIONS, describe  # noqa: E402
from ml.colour_model import ColourClassifier, load_classifier, train_classifier, training_descriptors  # noqa: E402
from ml.data import load_styles, split_of  # noqa: E402
from ml.homephotos import home_photo_for_item  # noqa: E402
from ml.images import load_image  # noqa: E402
from ml.masks import foreground  # noqa: E402


def _score(model: ColourClassifier, photos: list[tuple[np.ndarray, np.ndarray]], truth: list[str],
           correction: str) -> tuple[float, float]:
    start = time.perf_counter()
    descriptors = np.stack([describe(rgb, mask, correction=correction) for rgb, mask in photos])
    ms = 1000 * (time.perf_counter() - start) / len(photos)
    return float(np.mean(np.asarray(model.predict(descriptors)) == np.asarray(truth))), ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO / ".." / "shared" / "datasets" / "fashion-products"))
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train", type=int, default=6000, help="train-split items the per-correction rows fit on")
    parser.add_argument("--weights", default="", help="also score this saved classifier")
    parser.add_argument("--corrections", default=",".join(CORRECTIONS))
    args = parser.parse_args()
    items = load_styles(args.data)
    pool = [item for item in items if item.base_colour and split_of(item.id) == "evaluation"]
    chosen = [pool[i] for i in np.linspace(0, len(pool) - 1, min(args.n, len(pool))).round().astype(int)]
    truth = [item.base_colour for item in chosen]
    start = time.perf_counter()
    clean, home = [], []
    for item in chosen:
        rgb = np.asarray(load_image(item.image_path(args.data)), dtype=np.uint8)
        clean.append((rgb, foreground(rgb).mask))
        photo = np.asarray(home_photo_for_item(item.image_path(args.data), item.id, seed=args.seed).image())
        home.append((photo, foreground(photo).mask))
    print(f"{len(chosen)} evaluation items of {args.data} ({len(set(truth))} colours), home photos under seed "
          f"{args.seed}; photos and masks made in {time.perf_counter() - start:.0f} s", flush=True)
    train_ids = [item.id for item in items if item.base_colour and split_of(item.id) == "train"][: args.train]
    rows: list[tuple[str, float, float, float, float]] = []
    for correction in args.corrections.split(","):
        x, labels, ids = training_descriptors(args.data, train_ids, augment=1, correction=correction)
        model = train_classifier(x, labels, ids, correction=correction)
        (c_acc, c_ms), (h_acc, h_ms) = _score(model, clean, truth, correction), _score(model, home, truth, correction)
        rows.append((f"fitted on {len(set(ids))}, {correction}", c_acc, h_acc, c_ms, h_ms))
        print(*rows[-1], flush=True)
    if args.weights:
        model = load_classifier(args.weights)
        (c_acc, c_ms), (h_acc, h_ms) = (_score(model, clean, truth, model.correction),
                                        _score(model, home, truth, model.correction))
        rows.append((f"shipped ({model.fitted_count} items), {model.correction}", c_acc, h_acc, c_ms, h_ms))
    majority = max(set(truth), key=truth.count)
    print(f"\n| classifier, light correction | catalogue top-1 | home top-1 | ms/photo catalogue | ms/photo home |")
    print("|---|---|---|---|---|")
    for name, c_acc, h_acc, c_ms, h_ms in rows:
        print(f"| {name} | {c_acc:.3f} | {h_acc:.3f} | {c_ms:.1f} | {h_ms:.1f} |")
    print(f"| always {majority} | {truth.count(majority) / len(truth):.3f} | {truth.count(majority) / len(truth):.3f} "
          f"| | |")


if __name__ == "__main__":
    main()
