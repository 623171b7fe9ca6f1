"""Find similar for a photo with its nearest shop items by the image alone leading the list (``ours``'
``image_first``, the rule of ``ml.ranking.similar_to_photo``): the evaluation's find-similar and auto-tag rows,
clean and home photos, for several lead lengths, without the wardrobe tasks (which the rule does not touch), on one
seed.

    .venv/bin/python bench/similar_first.py --data ../shared/datasets/fashion-products --seed 7 [--leads 0,1,2,3]

The samples, the probe and the queries are exactly ``ml.evaluate``'s ``ours`` for that seed (the same code scores
them: ``score_similar`` and ``score_home_similar``), so a choice made here on seed 7 is then measured by the reported
runs (seeds 1-3). Reads the evaluation's embedding cache (``--cache``).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.evaluate.configs import ours_spec  # noqa: E402
from ml.evaluate.data import K_HOME_SELF, K_SIMILAR, load_dataset  # noqa: E402
from ml.evaluate.features import EmbeddingCache, PooledFeatures  # noqa: E402
from ml.evaluate.scoring import draw_samples, home_images, score_home_similar, score_similar  # noqa: E402

ROWS = (("find_similar", "p10_articletype", "P@10 type"),
        ("find_similar", "p10_articletype_colour", "P@10 type+colour"),
        ("find_similar", "other_gender", "other gender"),
        ("autotag", "articletype_top1", "tag type"),
        ("home", "p10_articletype", "home P@10 type"),
        ("home", "other_gender", "home other gender"),
        ("home", "self_top12", "home own product in 12"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--leads", default="0,1,2,3")
    parser.add_argument("--cache", default="var/embeddings")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    data = load_dataset(args.data)
    features = PooledFeatures(data, cache=EmbeddingCache(Path(args.cache)))
    drawn = draw_samples(data, seed=args.seed, n_queries=2000, n_wardrobes=500, min_persona_items=60,
                         n_home_queries=1000, n_home_wardrobes=100)
    evaluation_items = np.asarray(sorted(drawn.items()), dtype=np.int64)
    columns: dict[str, dict[str, float]] = {}
    for value in args.leads.split(","):
        spec = ours_spec(f"lead {value}", "", image_first=int(value))
        method = spec.build(data, features)
        method.prepare(evaluation_items=evaluation_items)
        idx, dist = method.similar(drawn.queries, k=K_SIMILAR, rng=np.random.default_rng([args.seed, 1]))
        clean, tags = score_similar(data, drawn.queries, idx, dist)
        images = home_images(spec, features, drawn.home_queries, seed=args.seed)
        idx, dist = method.similar_to_vectors(images, k=K_HOME_SELF, rng=np.random.default_rng([args.seed, 6]))
        home, _ = score_home_similar(data, drawn.home_queries, idx, dist)
        sections = {"find_similar": clean, "autotag": tags, "home": home}
        columns[value] = {label: sections[section][key] for section, key, label in ROWS}
        print(f"lead {value}: done", file=sys.stderr, flush=True)
    print(f"seed {args.seed}: {len(drawn.queries)} queries, {len(drawn.home_queries)} of them from home photos\n")
    print("| metric | " + " | ".join(f"image lead {v}" for v in columns) + " |")
    print("|---|" + "---|" * len(columns))
    for _, _, label in ROWS:
        print(f"| {label} | " + " | ".join(f"{columns[v][label]:.3f}" for v in columns) + " |")


if __name__ == "__main__":
    main()
