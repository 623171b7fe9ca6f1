"""What embedding the cut-out (the garment embedding job's ``ml.masks`` step) does to image-only retrieval.

    python bench/cutout_quality.py [--data ../shared/datasets/fashion-products-mini] [--n 300] [--seed 1]

Each item's catalogue photo is the shop's inventory; its generated home photo (``ml.homephotos``, under ``--seed``)
is the query, embedded raw, always cut out on white, and as ``ml.masks.photo_for_embedding`` gives it (what the
embedding job and find similar embed: a photo already on white as it is). Image vectors only (the default
EfficientNet-Lite0 at 96 px), exact cosine search over the catalogue vectors of the same items: the share of home
photos whose own product is in the top 12, same-articleType precision@10, and the mean cosine to the own product.
The catalogue photos themselves go through both paths too and are compared with their raw vectors (what the job
does to a catalogue-style upload). A small pool (the mini set) makes top-12 easy; read the rows against each other.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ml.data import load_styles  # noqa: E402
from ml.encoders import ImageEncoder  # noqa: E402
from ml.homephotos import home_photo_for_item  # noqa: E402
from ml.masks import cutout_on_white, foreground, photo_for_embedding  # noqa: E402


def _row(name: str, queries: np.ndarray, catalogue: np.ndarray, types: list[str]) -> str:
    scores = queries @ catalogue.T
    order = np.argsort(-scores, axis=1)
    own = np.mean([i in order[i, :12] for i in range(len(queries))])
    p10 = np.mean([np.mean([types[j] == types[i] for j in order[i, :10]]) for i in range(len(queries))])
    cos = float(np.mean(np.diag(scores)))
    return f"{name:42} {own:8.3f} {p10:9.3f} {cos:10.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO / ".." / "shared" / "datasets" / "fashion-products-mini"))
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--input-size", type=int, default=96)
    args = parser.parse_args()
    items = load_styles(args.data)[: args.n]
    encoder = ImageEncoder(input_size=args.input_size, device="cpu")
    paths = [item.image_path(args.data) for item in items]
    homes = [home_photo_for_item(p, item.id, seed=args.seed) for p, item in zip(paths, items)]
    home_rgb = [np.asarray(h.image()) for h in homes]
    catalogue_rgb = [_rgb(p) for p in paths]
    catalogue = encoder.embed([p for p in paths])
    home_raw = encoder.embed([h.jpeg for h in homes])
    home_cut = encoder.embed([cutout_on_white(rgb, foreground(rgb).mask) for rgb in home_rgb])
    home_job = encoder.embed([photo_for_embedding(h.jpeg) for h in homes])
    catalogue_cut = encoder.embed([cutout_on_white(rgb, foreground(rgb).mask) for rgb in catalogue_rgb])
    catalogue_job = encoder.embed([photo_for_embedding(p) for p in paths])
    types = [item.article_type for item in items]
    print(f"{len(items)} items from {args.data}; home photos under seed {args.seed}; Lite0 at {args.input_size} px")
    print(f"{'query':42} {'own@12':>8} {'P@10 type':>9} {'cos to own':>10}")
    print(_row("home photo, raw", home_raw, catalogue, types))
    print(_row("home photo, always cut out", home_cut, catalogue, types))
    print(_row("home photo, photo_for_embedding (the job)", home_job, catalogue, types))
    print(_row("catalogue photo, always cut out", catalogue_cut, catalogue, types))
    print(_row("catalogue photo, photo_for_embedding", catalogue_job, catalogue, types))


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))


if __name__ == "__main__":
    main()
