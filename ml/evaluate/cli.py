"""Offline evaluation of recommendation quality on a styles-format dataset.

The command line of ``python -m ml.evaluate`` (ml/evaluate/__main__.py calls ``main``); its first paragraph is the
``--help`` description.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from ml.evaluate.configs import DEFAULT_CONFIGS, FINE_TUNED_CONFIGS
from ml.evaluate.data import load_dataset
from ml.evaluate.features import EmbeddingCache, PooledFeatures
from ml.evaluate.ours import OursSettings
from ml.evaluate.report import aggregate, board_tables, markdown_table
from ml.evaluate.scoring import SKIPPABLE_TASKS, run


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation for every seed, writing the JSON after each and the markdown tables at the end."""
    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", required=True, help="styles-format dataset folder (items.csv + images/)")
    parser.add_argument("--out", default="var/eval.json", help="JSON file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", default="", help="comma-separated seeds: run each and report the spread")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--wardrobes", type=int, default=500)
    parser.add_argument("--home-queries", type=int, default=1000,
                        help="queries (of --queries) scored again from home photos (each costs a generated photo)")
    parser.add_argument("--home-wardrobes", type=int, default=100,
                        help="photo-only wardrobes (of --wardrobes) scored again with home photos as the closet")
    parser.add_argument("--configs", default=None,
                        help=f"comma-separated (default {','.join(DEFAULT_CONFIGS)}, plus "
                             f"{','.join(FINE_TUNED_CONFIGS)} with --weights)")
    parser.add_argument("--min-persona-items", type=int, default=60,
                        help="items of the evaluation split a (gender, usage) persona needs to get wardrobes")
    parser.add_argument("--input-size", type=int, default=OursSettings.input_size,
                        help="CNN input size in pixels of ours and its variants (and of --weights)")
    parser.add_argument("--seed-input-size", type=int, default=224,
                        help="CNN input size in pixels of the references seed-knn and seed-closetspace")
    parser.add_argument("--weights", default=None,
                        help="a fine-tuned image encoder's checkpoint: adds the configs ours-ft and ours-ft-nomask")
    parser.add_argument("--skip", default="", help=f"comma-separated optional tasks to leave out: "
                        f"{', '.join(SKIPPABLE_TASKS)} (the slow ones, for a run about the encoder)")
    parser.add_argument("--cache", default="var/embeddings", help="embedding cache folder")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or [args.seed]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    if args.weights and not Path(args.weights).is_file():
        parser.error(f"--weights {args.weights}: no such file")
    default = DEFAULT_CONFIGS + (FINE_TUNED_CONFIGS if args.weights else ())
    skip = frozenset(t.strip() for t in args.skip.split(",") if t.strip())
    if skip - set(SKIPPABLE_TASKS):
        parser.error(f"--skip: unknown task(s) {', '.join(sorted(skip - set(SKIPPABLE_TASKS)))}; "
                     f"known: {', '.join(SKIPPABLE_TASKS)}")
    configs = [c.strip() for c in (args.configs or ",".join(default)).split(",") if c.strip()]
    started = time.perf_counter()
    data = load_dataset(args.data)
    features = PooledFeatures(data, cache=EmbeddingCache(Path(args.cache)), device=args.device)
    runs, tables = [], []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        runs.append(run(data, features, configs=configs, seed=seed, n_queries=args.queries,
                        n_wardrobes=args.wardrobes, min_persona_items=args.min_persona_items,
                        seed_input_size=args.seed_input_size, ours_input_size=args.input_size,
                        n_home_queries=args.home_queries, n_home_wardrobes=args.home_wardrobes,
                        weights=args.weights, skip=skip))
        tables.append(f"seed {seed}\n\n" + markdown_table(runs[-1]["configs"])
                      + board_tables(runs[-1]["configs"]))
        print("\n" + tables[-1], flush=True)
        result = dict(runs[0])
        result["input_size"] = args.input_size
        result["seed_input_size"] = args.seed_input_size
        result["weights"] = args.weights
        result["machine"] = {"platform": platform.platform(), "python": platform.python_version(),
                             "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()}
        result["total_s"] = time.perf_counter() - started
        if len(runs) > 1:
            result["seeds"] = seeds[: len(runs)]
            result["runs"] = runs
            result["spread"] = aggregate(runs)
        out.write_text(json.dumps(result, indent=2, default=float))  # after every seed: a long run keeps its part
    if len(runs) > 1:
        tables.append(f"mean ± std over seeds {seeds}\n\n" + markdown_table(result["spread"])
                      + board_tables(result["spread"]))
        print("\n" + tables[-1], flush=True)
    out.with_suffix(".md").write_text("\n\n".join(tables) + "\n")
    print(f"\nwrote {out} and {out.with_suffix('.md')} in {result['total_s']:.0f} s", flush=True)
    return 0
