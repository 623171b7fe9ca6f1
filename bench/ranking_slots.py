"""The cost of For you's slots: ``ml.ranking.recommend`` with a centroid per category group and each centroid's share
of the list (``centroid_slots=True``, the product) against the same profile competing on relevance alone
(``centroid_slots=False``, the ranking before issue 13), over the index For you uses (an Annoy forest over PCA 128
with the exact float16 re-rank) of 35,000 synthetic clustered unit vectors 1,664 wide (Lite0 1280 + MiniLM 384).

The two are timed interleaved, one call each in turn with the same seed, so load on the machine falls on both
alike; the table gives per-call wall and CPU medians and their ratio. One BLAS thread, as the web processes run
(bench/web.py): multithreaded BLAS on these small matrices only makes the threads fight over the cores, and under
load it cost the slots' selection 15 ms a call. No database, no Django.

    .venv/bin/python -m bench.ranking_slots [--items 35000] [--repeats 300] [--groups 1,3,5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads

import numpy as np  # noqa: E402


def _catalogue(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(size=(40, dim)).astype(np.float32)
    x = centres[rng.integers(0, 40, n)] + 0.8 * rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=35_000)
    parser.add_argument("--dim", type=int, default=1664)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--groups", default="1,3,5", help="category groups in the closet (1: style clustering)")
    args = parser.parse_args()
    from ml.index import AnnoyVectorIndex
    from ml.ranking import build_profile, recommend

    rng = np.random.default_rng(0)
    x = _catalogue(args.items, args.dim, rng)
    with tempfile.TemporaryDirectory() as tmp:
        index = AnnoyVectorIndex.build(Path(tmp) / "idx", np.arange(1, args.items + 1), x, model_version="bench")
        print(f"{args.items} items x {args.dim}, Annoy over PCA {index.pca_dims}, {args.repeats} calls each, k=24")
        print(f"{'closet':28} {'slots wall p50':>15} {'before wall p50':>16} {'ratio':>6} {'slots cpu p50':>14} "
              f"{'before cpu p50':>15} {'ratio':>6}")
        for groups in (int(g) for g in args.groups.split(",")):
            owned = x[rng.choice(args.items, 12, replace=False)] + 0.05 * rng.normal(size=(12, args.dim))
            labels = [f"g{i % groups}" for i in range(12)] if groups > 1 else None
            profile = build_profile(owned.astype(np.float32), groups=labels)
            timing: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
            for r in range(args.repeats):
                for slots in (True, False):
                    wall, cpu = time.perf_counter(), time.process_time()
                    recommend(index, list(range(-12, 0)), owned, k=24, profile=profile, sigma=0.3,
                              rng=np.random.default_rng(r), centroid_slots=slots)
                    timing[slots][0].append((time.perf_counter() - wall) * 1000)
                    timing[slots][1].append((time.process_time() - cpu) * 1000)
            w1, c1 = (statistics.median(v) for v in timing[True])
            w0, c0 = (statistics.median(v) for v in timing[False])
            label = f"{profile.k} centroid(s), {groups} group(s)"
            print(f"{label:28} {w1:15.2f} {w0:16.2f} {w1 / w0:6.2f} {c1:14.2f} {c0:15.2f} {c1 / c0:6.2f}")


if __name__ == "__main__":
    main()
