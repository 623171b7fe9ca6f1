"""Scoring: one configuration over the run's queries and wardrobes, and a whole run over several configurations."""
from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ml import metrics
from ml.autotag import Suggestion, suggest_tags
from ml.evaluate.configs import ConfigSpec, config_specs
from ml.evaluate.data import (AUTOTAG_NEIGHBOURS, K_RECOMMEND, K_SIMILAR, Board, Dataset, Wardrobe, personas,
                              sample_queries, sample_wardrobes)
from ml.evaluate.features import PooledFeatures
from ml.evaluate.methods import Method
from ml.evaluate.moodboard import sample_boards, score_boards
from ml.evaluate.ours import OursMethod, OursSettings
from ml.evaluate.styling import score_style_this


def score_similar(data: Dataset, queries: np.ndarray, idx: np.ndarray, dist: np.ndarray) -> tuple[dict, dict]:
    type_counts = Counter(data.article_type)
    p_type, p_both, ap, tag_type, tag_colour = [], [], [], [], []
    for q, row, d in zip(queries, idx, dist):
        same_type = [data.article_type[j] == data.article_type[q] for j in row[:K_SIMILAR]]
        same_both = [s and data.base_colour[j] == data.base_colour[q] for s, j in zip(same_type, row)]
        p_type.append(metrics.precision_at_k(same_type, k=K_SIMILAR))
        p_both.append(metrics.precision_at_k(same_both, k=K_SIMILAR))
        ap.append(metrics.average_precision_at_k(same_type, k=K_SIMILAR,
                                                 n_relevant=type_counts[data.article_type[q]] - 1))
        neighbours = row[:AUTOTAG_NEIGHBOURS]
        suggestion: Suggestion = suggest_tags([data.labels(j) for j in neighbours], d[:AUTOTAG_NEIGHBOURS],
                                              fields=("article_type", "base_colour"))
        tag_type.append(suggestion.value("article_type") == data.article_type[q])
        tag_colour.append(suggestion.value("base_colour") == data.base_colour[q])
    return (
        {"p10_articletype": metrics.mean(p_type), "p10_articletype_colour": metrics.mean(p_both),
         "map10_articletype": metrics.mean(ap)},
        {"articletype_top1": metrics.share(tag_type), "colour_top1": metrics.share(tag_colour)},
    )


def score_wardrobes(data: Dataset, method: Method, wardrobes: Sequence[Wardrobe], *, named: bool,
                    rng: np.random.Generator, timings: list[float]) -> dict:
    rows: dict[str, list[float]] = {k: [] for k in ("persona_precision", "palette_precision", "gender_violations",
                                                     "heldout_recall20", "distinct_articletypes", "refresh_overlap",
                                                     "category_coverage", "max_credit_share")}
    for w in wardrobes:
        start = time.perf_counter()
        found, reasons = method.recommend_with_reasons(w, named=named, k=K_RECOMMEND, rng=rng)
        timings.append((time.perf_counter() - start) * 1000)
        first = [int(i) for i in found]
        second = [int(i) for i in method.recommend(w, named=named, k=K_RECOMMEND, rng=rng)]
        if set(first) & set(w.items):
            raise AssertionError(f"{method.name} recommended an item of the wardrobe itself")
        pad = K_RECOMMEND
        rows["persona_precision"].append(sum(
            metrics.gender_matches(data.gender[i], w.gender) and data.usage[i] == w.usage for i in first) / pad)
        rows["palette_precision"].append(sum(data.base_colour[i] in w.palette for i in first) / pad)
        rows["gender_violations"].append(sum(metrics.gender_violates(data.gender[i], w.gender) for i in first) / pad)
        rows["heldout_recall20"].append(metrics.recall_at_k(first, w.heldout, k=K_RECOMMEND))
        rows["distinct_articletypes"].append(float(len({data.article_type[i] for i in first})))
        rows["refresh_overlap"].append(metrics.jaccard(first, second))
        owned_groups = set(data.sub_category[list(w.items)])
        rows["category_coverage"].append(len(owned_groups & set(data.sub_category[first])) / len(owned_groups)
                                         if first else 0.0)
        if reasons is not None and len(reasons):
            rows["max_credit_share"].append(max(Counter(int(r) for r in reasons).values()) / pad)
    return {k: metrics.mean(v) if v else None for k, v in rows.items()}


def evaluate_config(spec: ConfigSpec, data: Dataset, features: PooledFeatures, *, queries: np.ndarray,
                    wardrobes: Sequence[Wardrobe], seed: int, timing_queries: int = 100,
                    boards: Sequence[tuple[Wardrobe, Board]] = ()) -> dict:
    """Every task's metrics and costs of one configuration; the mood-board task where the method blends boards
    (``ours`` and its variants; the references have no board part)."""
    started = time.perf_counter()
    method = spec.build(data, features)
    evaluation_items = np.unique(np.concatenate(
        [np.asarray(queries, dtype=np.int64)]
        + [np.asarray(w.items + w.heldout, dtype=np.int64) for w in wardrobes]
        + [np.asarray(b.items + b.heldout, dtype=np.int64) for _, b in boards]))
    method.prepare(evaluation_items=evaluation_items, wardrobes=wardrobes)
    build_s = time.perf_counter() - started
    rng = np.random.default_rng([seed, 1])
    idx, dist = method.similar(queries, k=K_SIMILAR, rng=rng)
    find_similar, autotag = score_similar(data, queries, idx, dist)
    similar_ms = []
    for q in queries[:timing_queries]:
        t = time.perf_counter()
        method.similar(np.array([q]), k=K_SIMILAR, rng=rng)
        similar_ms.append((time.perf_counter() - t) * 1000)
    recommend_ms: list[float] = []
    named = score_wardrobes(data, method, wardrobes, named=True, rng=np.random.default_rng([seed, 2]),
                            timings=recommend_ms)
    photo = score_wardrobes(data, method, wardrobes, named=False, rng=np.random.default_rng([seed, 3]),
                            timings=recommend_ms)
    mood_board = (score_boards(data, method, boards, rng=np.random.default_rng([seed, 5]))
                  if boards and isinstance(method, OursMethod) else None)
    style_this = score_style_this(data, method, wardrobes) if isinstance(method, OursMethod) and wardrobes else None
    calls = method.closet_calls()
    return {
        "description": spec.description,
        **({"closet_gender_calls": calls} if calls else {}),
        "find_similar": find_similar,
        "wardrobe_named": named,
        "wardrobe_photo_only": photo,
        "autotag": autotag,
        **({"mood_board": mood_board} if mood_board is not None else {}),
        **({"style_this": style_this} if style_this is not None else {}),
        "cost": {
            "build_s": build_s,
            "probe_s": method.probe_s,
            "closet_ms": (1000 * method.closets_s / method.n_closets) if method.n_closets else None,
            "similar_query_ms_p50": metrics.percentile(similar_ms, 50),
            "similar_query_ms_p99": metrics.percentile(similar_ms, 99),
            "recommend_ms_p50": metrics.percentile(recommend_ms, 50) if recommend_ms else None,
            "recommend_ms_p99": metrics.percentile(recommend_ms, 99) if recommend_ms else None,
            "eval_s": time.perf_counter() - started,
        },
    }


def run(data: Dataset, features: PooledFeatures, *, configs: Sequence[str], seed: int, n_queries: int,
        n_wardrobes: int, min_persona_items: int, seed_input_size: int, ours_input_size: int | None = None) -> dict:
    specs = config_specs(seed_input_size=seed_input_size, ours_input_size=ours_input_size)
    unknown = [c for c in configs if c not in specs]
    if unknown:
        raise SystemExit(f"unknown config(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    rng = np.random.default_rng(seed)
    queries = sample_queries(len(data), n=n_queries, rng=rng)
    wardrobes = sample_wardrobes(data, n=n_wardrobes, rng=rng, min_persona_items=min_persona_items)
    boards = sample_boards(data, wardrobes, rng=np.random.default_rng([seed, 4]))  # its own stream: the other
    # tasks' samples stay those of runs before the mood-board task
    result: dict[str, Any] = {"dataset": {**data.describe(), "queries": len(queries), "wardrobes": len(wardrobes),
                          "mood_boards": len(boards),
                          "personas": [f"{g}/{u}" for g, u in personas(data, min_items=min_persona_items)]},
              "seed": seed, "configs": {}}
    for name in configs:
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        result["configs"][name] = evaluate_config(specs[name], data, features, queries=queries,
                                                  wardrobes=wardrobes, seed=seed, boards=boards)
    result["embedding_ms_per_item"] = dict(features.embed_ms_per_item)
    for name, row in result["configs"].items():
        row["cost"]["embed_s_per_1000"] = _embed_cost(name, features, seed_input_size,
                                                      ours_input_size or OursSettings.input_size)
    return result


def _embed_cost(name: str, features: PooledFeatures, seed_input_size: int, ours_input_size: int) -> float | None:
    """Seconds per 1,000 items of the encoders a configuration uses (image at its size, plus text if used)."""
    if name == "random":
        return 0.0
    size = seed_input_size if name.startswith("seed") else ours_input_size
    for px in (128, 160):
        if name == f"ours-{px}px":
            size = px
    image = [v for k, v in features.embed_ms_per_item.items() if k.startswith(f"img:efficientnet_lite0:{size}:")
             and k.endswith("raw")]
    text = [v for k, v in features.embed_ms_per_item.items() if k.startswith("txt:")]
    uses_text = name not in ("seed-knn", "ours-imageonly")
    if not image:
        return None
    return image[0] + (text[0] if uses_text and text else 0.0)
