"""The colour re-rank (``ml.colour.rerank``) in find-similar: P@10 of the same articleType, and of the same type and
baseColour, for several blend weights.

    .venv/bin/python bench/colour_rerank.py [--data ../shared/datasets/fashion-products] [--corpus 6000]
                                            [--queries 400] [--weights 0,0.05,0.1,0.15,0.25,0.4]

A corpus of ``--corpus`` items taken evenly through the CSV, embedded from their catalogue photos by the image
encoder (96 px, average pooling: the product's image block; ``--trunk``: the site's fine-tuned trunk by default,
``imagenet`` for the ImageNet weights); ``--queries`` evaluation-split items
of it are queries (themselves left out of their results). The encoder's top 50 by cosine are re-ranked with each
weight (0 is the encoder alone). A smaller corpus than the evaluation's, so its numbers are lower than
docs/evaluation.md's; it compares the weights, not the product.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.colour import describe, rerank  # noqa: E402
from ml.data import load_styles, split_of  # noqa: E402
from ml.encoders.image import ImageEncoder  # noqa: E402
from ml.homephotos import catalogue_mask  # noqa: E402
from ml.images import load_image  # noqa: E402
from ml.weights import FINE_TUNED_WEIGHTS  # noqa: E402

SHORTLIST = 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(REPO / ".." / "shared" / "datasets" / "fashion-products"))
    parser.add_argument("--corpus", type=int, default=6000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--weights", default="0,0.05,0.1,0.15,0.25,0.4")
    parser.add_argument("--trunk", default=str(FINE_TUNED_WEIGHTS),
                        help="the image trunk's checkpoint (default the site's), or 'imagenet'")
    args = parser.parse_args()
    items = [item for item in load_styles(args.data) if item.base_colour and item.article_type]
    corpus = [items[i] for i in np.linspace(0, len(items) - 1, min(args.corpus, len(items))).round().astype(int)]
    paths = [item.image_path(args.data) for item in corpus]
    start = time.perf_counter()
    trunk = None if args.trunk == "imagenet" else args.trunk
    vectors = ImageEncoder(input_size=96, pooling="avg", weights=trunk, device="cpu").embed(paths)
    embedded = time.perf_counter() - start
    descriptors = []
    for path in paths:
        rgb = np.asarray(load_image(path), dtype=np.uint8)
        descriptors.append(describe(rgb, catalogue_mask(rgb)))
    colour = np.stack(descriptors)
    described = time.perf_counter() - start - embedded
    pool = [i for i, item in enumerate(corpus) if split_of(item.id) == "evaluation"]
    queries = [pool[i] for i in np.linspace(0, len(pool) - 1, min(args.queries, len(pool))).round().astype(int)]
    types = np.asarray([item.article_type for item in corpus])
    colours = np.asarray([item.base_colour for item in corpus])

    print(f"image trunk {args.trunk}; {len(corpus)} items embedded in {embedded:.0f} s, described in {described:.0f} s; {len(queries)} queries")
    print("| colour weight | P@10 type | P@10 type+colour |\n|---|---|---|")
    for weight in (float(w) for w in args.weights.split(",")):
        p_type, p_both = [], []
        for q in queries:
            scores = vectors @ vectors[q]
            scores[q] = -np.inf
            top = np.argsort(-scores)[:SHORTLIST]
            order, _ = rerank(colour[q], colour[top], scores[top], weight=weight)
            hits = top[order[:10]]
            same_type = types[hits] == types[q]
            p_type.append(same_type.mean())
            p_both.append((same_type & (colours[hits] == colours[q])).mean())
        print(f"| {weight:g} | {np.mean(p_type):.3f} | {np.mean(p_both):.3f} |")


if __name__ == "__main__":
    main()
