"""Scoring: one configuration over the run's queries and wardrobes, and a whole run over several configurations.

The home-photo tasks score the same way as the clean ones, on a subset of the same queries and wardrobes, with each
item's home photo (``PooledFeatures.home_image``: made under the run's seed, through the background removal unless
the configuration says not) in place of its catalogue photo:

- ``find_similar_home``: the query's own product is in the inventory (a user photographs something the shop sells);
  ``self_top12`` is the share of queries that find it in the first ``K_HOME_SELF``. The other metrics are those of
  ``find_similar`` on the list without the own product, so they compare with the clean ones (where the item itself
  is excluded) and the own product is not counted twice;
- ``autotag_home``: ``autotag``'s votes from that same list (the own product's labels would not be tagging);
- ``wardrobe_photo_only_home``: the photo-only closets with home photos, plus ``gender_unread``: the share of
  closets whose gender the probe could not read ("mixed" or "unsure": the filter left at Unisex only).
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml import metrics
from ml.autotag import Suggestion, suggest_tags
from ml.evaluate.configs import ConfigSpec, config_specs
from ml.evaluate.data import (AUTOTAG_NEIGHBOURS, K_HOME_SELF, K_RECOMMEND, K_SIMILAR, Board, Dataset, Wardrobe,
                              personas, sample_queries, sample_wardrobes)
from ml.evaluate.features import PooledFeatures
from ml.evaluate.methods import Method
from ml.evaluate.moodboard import sample_boards, score_boards
from ml.evaluate.ours import OursMethod
from ml.evaluate.styling import score_style_this


def score_similar(data: Dataset, queries: np.ndarray, idx: np.ndarray, dist: np.ndarray) -> tuple[dict, dict]:
    type_counts = Counter(data.article_type)
    p_type, p_both, ap, tag_type, tag_colour, tag_category, other_gender = [], [], [], [], [], [], []
    for q, row, d in zip(queries, idx, dist):
        same_type = [data.article_type[j] == data.article_type[q] for j in row[:K_SIMILAR]]
        same_both = [s and data.base_colour[j] == data.base_colour[q] for s, j in zip(same_type, row)]
        p_type.append(metrics.precision_at_k(same_type, k=K_SIMILAR))
        p_both.append(metrics.precision_at_k(same_both, k=K_SIMILAR))
        ap.append(metrics.average_precision_at_k(same_type, k=K_SIMILAR,
                                                 n_relevant=type_counts[data.article_type[q]] - 1))
        if data.gender[q] not in ("", "Unisex"):  # a Unisex photo has no other gender
            other_gender.append(sum(metrics.gender_violates(data.gender[j], data.gender[q])
                                    for j in row[:K_SIMILAR]) / K_SIMILAR)
        neighbours = row[:AUTOTAG_NEIGHBOURS]
        suggestion: Suggestion = suggest_tags([data.labels(j) for j in neighbours], d[:AUTOTAG_NEIGHBOURS],
                                              fields=("article_type", "base_colour", "site_category"))
        tag_type.append(suggestion.value("article_type") == data.article_type[q])
        tag_colour.append(suggestion.value("base_colour") == data.base_colour[q])
        tag_category.append(suggestion.value("site_category") == data.site_category[q])
    return (
        {"p10_articletype": metrics.mean(p_type), "p10_articletype_colour": metrics.mean(p_both),
         "map10_articletype": metrics.mean(ap),
         "other_gender": metrics.mean(other_gender) if other_gender else None},
        {"articletype_top1": metrics.share(tag_type), "colour_top1": metrics.share(tag_colour),
         "site_category_top1": metrics.share(tag_category)},
    )


def score_home_similar(data: Dataset, queries: np.ndarray, idx: np.ndarray,
                       dist: np.ndarray) -> tuple[dict, dict]:
    """``find_similar_home`` and ``autotag_home`` from each home photo's top ``K_HOME_SELF`` (nothing excluded):
    ``self_top12`` from the whole list, the rest as ``score_similar`` on the list without the own product."""
    found = [int(q) in row[:K_HOME_SELF].tolist() for q, row in zip(queries, idx)]
    keep = idx != np.asarray(queries)[:, None]
    others_idx = np.stack([row[m][:K_SIMILAR] for row, m in zip(idx, keep)])
    others_dist = np.stack([row[m][:K_SIMILAR] for row, m in zip(dist, keep)])
    find_similar, autotag = score_similar(data, queries, others_idx, others_dist)
    return {**find_similar, "self_top12": metrics.share(found)}, autotag


def score_wardrobes(data: Dataset, method: Method, wardrobes: Sequence[Wardrobe], *, named: bool,
                    rng: np.random.Generator, timings: list[float],
                    photos: Sequence[np.ndarray] | None = None) -> dict:
    """The wardrobe metrics over ``wardrobes``; ``photos[i]``: wardrobe i's image vectors when they are not the
    catalogue's (its home photos; photo-only closets)."""
    rows: dict[str, list[float]] = {k: [] for k in ("persona_precision", "palette_precision", "gender_violations",
                                                     "heldout_recall20", "distinct_articletypes", "refresh_overlap",
                                                     "category_coverage", "max_credit_share")}
    for n, w in enumerate(wardrobes):
        own = None if photos is None else photos[n]
        start = time.perf_counter()
        found, reasons = method.recommend_with_reasons(w, named=named, k=K_RECOMMEND, rng=rng, photos=own)
        timings.append((time.perf_counter() - start) * 1000)
        first = [int(i) for i in found]
        second = [int(i) for i in method.recommend(w, named=named, k=K_RECOMMEND, rng=rng, photos=own)]
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


def home_images(spec: ConfigSpec, features: PooledFeatures, positions: np.ndarray, *, seed: int) -> np.ndarray:
    """The configuration's image vectors of the items' home photos (none for a method that reads no pixels)."""
    if spec.image is None:
        return np.zeros((len(positions), 0), dtype=np.float32)
    return features.home_image(positions, seed=seed, mask=spec.home_mask, **spec.image.kwargs())


def _home_sections(spec: ConfigSpec, method: Method, data: Dataset, features: PooledFeatures, *, seed: int,
                   queries: np.ndarray, wardrobes: Sequence[Wardrobe]) -> dict[str, dict]:
    """``find_similar_home``, ``autotag_home`` and ``wardrobe_photo_only_home`` (module doc)."""
    out: dict[str, dict] = {}
    if len(queries):
        images = home_images(spec, features, queries, seed=seed)
        idx, dist = method.similar_to_vectors(images, k=K_HOME_SELF, rng=np.random.default_rng([seed, 6]))
        out["find_similar_home"], out["autotag_home"] = score_home_similar(data, queries, idx, dist)
    if wardrobes:
        rows = np.concatenate([np.asarray(w.items, dtype=np.int64) for w in wardrobes])
        images = home_images(spec, features, rows, seed=seed)
        photos = np.split(images, np.cumsum([len(w.items) for w in wardrobes])[:-1])
        section = score_wardrobes(data, method, wardrobes, named=False, rng=np.random.default_rng([seed, 7]),
                                  timings=[], photos=photos)
        calls = method.closet_calls().get("photo_only_home")
        section["gender_unread"] = sum(calls.get(c, 0.0) for c in ("mixed", "unsure")) if calls else None
        out["wardrobe_photo_only_home"] = section
    return out


SKIPPABLE_TASKS = ("mood_board", "style_this")


def evaluate_config(spec: ConfigSpec, data: Dataset, features: PooledFeatures, *, queries: np.ndarray,
                    wardrobes: Sequence[Wardrobe], seed: int, timing_queries: int = 100,
                    boards: Sequence[tuple[Wardrobe, Board]] = (), home_queries: np.ndarray | None = None,
                    home_wardrobes: Sequence[Wardrobe] = (), skip: frozenset[str] = frozenset()) -> dict:
    """Every task's metrics and costs of one configuration; the mood-board task where the method blends boards
    (``ours`` and its variants; the references have no board part); the home-photo tasks on ``home_queries`` (a
    subset of ``queries``) and ``home_wardrobes`` (of ``wardrobes``). ``skip`` leaves out optional tasks by name
    (``SKIPPABLE_TASKS``: the mood board and Style this, the slow ones, for a run about the encoder)."""
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
                  if boards and isinstance(method, OursMethod) and "mood_board" not in skip else None)
    style_this = (score_style_this(data, method, wardrobes)
                  if isinstance(method, OursMethod) and wardrobes and "style_this" not in skip else None)
    home = _home_sections(spec, method, data, features, seed=seed,
                          queries=np.asarray([] if home_queries is None else home_queries, dtype=np.int64),
                          wardrobes=home_wardrobes)
    calls = method.closet_calls()
    return {
        "description": spec.description,
        **({"closet_gender_calls": calls} if calls else {}),
        "find_similar": find_similar,
        **({"find_similar_home": home["find_similar_home"]} if "find_similar_home" in home else {}),
        "wardrobe_named": named,
        "wardrobe_photo_only": photo,
        **({"wardrobe_photo_only_home": home["wardrobe_photo_only_home"]}
           if "wardrobe_photo_only_home" in home else {}),
        "autotag": autotag,
        **({"autotag_home": home["autotag_home"]} if "autotag_home" in home else {}),
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


@dataclass(frozen=True)
class Samples:
    """One seed's samples, shared by every configuration: the home ones are subsets of the clean ones."""

    queries: np.ndarray
    wardrobes: list[Wardrobe]
    boards: list[tuple[Wardrobe, Board]]
    home_queries: np.ndarray
    home_wardrobes: list[Wardrobe]

    def items(self) -> set[int]:
        """Every item position a query, closet, held-out item or board of the samples uses."""
        used = set(self.queries.tolist())
        for w in self.wardrobes:
            used.update(w.items + w.heldout)
        for _, b in self.boards:
            used.update(b.items + b.heldout)
        return used


def draw_samples(data: Dataset, *, seed: int, n_queries: int, n_wardrobes: int, min_persona_items: int,
                 n_home_queries: int, n_home_wardrobes: int) -> Samples:
    """The run's samples from the items of the evaluation split only (``Dataset.evaluation``)."""
    among = data.evaluation()
    rng = np.random.default_rng(seed)
    queries = sample_queries(among, n=n_queries, rng=rng)
    wardrobes = sample_wardrobes(data, n=n_wardrobes, rng=rng, min_persona_items=min_persona_items, among=among)
    boards = sample_boards(data, wardrobes, rng=np.random.default_rng([seed, 4]), among=among)  # its own stream:
    # the other tasks' samples stay those of runs before the mood-board task
    home_queries = sample_queries(queries, n=n_home_queries, rng=np.random.default_rng([seed, 8]))
    # the wardrobes are drawn independently of each other, so the first ones are a fair subset
    return Samples(queries, wardrobes, boards, home_queries, wardrobes[:n_home_wardrobes])


def run(data: Dataset, features: PooledFeatures, *, configs: Sequence[str], seed: int, n_queries: int,
        n_wardrobes: int, min_persona_items: int, seed_input_size: int, ours_input_size: int | None = None,
        n_home_queries: int = 1000, n_home_wardrobes: int = 100, weights: str | None = None,
        skip: frozenset[str] = frozenset()) -> dict:
    """Every configuration of ``configs`` on one seed's samples, all drawn from the evaluation split."""
    specs = config_specs(seed_input_size=seed_input_size, ours_input_size=ours_input_size, weights=weights)
    unknown = [c for c in configs if c not in specs]
    if unknown:
        raise SystemExit(f"unknown config(s) {', '.join(unknown)}; known: {', '.join(specs)}")
    drawn = draw_samples(data, seed=seed, n_queries=n_queries, n_wardrobes=n_wardrobes,
                         min_persona_items=min_persona_items, n_home_queries=n_home_queries,
                         n_home_wardrobes=n_home_wardrobes)
    result: dict[str, Any] = {"dataset": {**data.describe(), "evaluation_items": len(data.evaluation()),
                                          "queries": len(drawn.queries), "wardrobes": len(drawn.wardrobes),
                                          "mood_boards": len(drawn.boards), "home_queries": len(drawn.home_queries),
                                          "home_wardrobes": len(drawn.home_wardrobes),
                                          "personas": [f"{g}/{u}" for g, u in personas(
                                              data, min_items=min_persona_items, among=data.evaluation())]},
                              "seed": seed, "configs": {}}
    for name in configs:
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        result["configs"][name] = evaluate_config(specs[name], data, features, queries=drawn.queries,
                                                  wardrobes=drawn.wardrobes, seed=seed, boards=drawn.boards,
                                                  home_queries=drawn.home_queries,
                                                  home_wardrobes=drawn.home_wardrobes, skip=skip)
    result["embedding_ms_per_item"] = dict(features.embed_ms_per_item)
    result["home_photo_ms_per_item"] = dict(getattr(features, "home_ms_per_item", {}))
    for name, row in result["configs"].items():
        row["cost"]["embed_s_per_1000"] = _embed_cost(specs[name], features)
    return result


def _embed_cost(spec: ConfigSpec, features: PooledFeatures) -> float | None:
    """Seconds per 1,000 items of the encoders a configuration uses (image at its size, plus text if used)."""
    if spec.image is None:
        return 0.0
    image = [v for k, v in features.embed_ms_per_item.items()
             if k.startswith(f"img:efficientnet_lite0:{spec.image.input_size}:") and k.endswith("raw")]
    text = [v for k, v in features.embed_ms_per_item.items() if k.startswith("txt:")]
    uses_text = spec.name not in ("seed-knn", "ours-imageonly")
    if not image:
        return None
    return image[0] + (text[0] if uses_text and text else 0.0)
