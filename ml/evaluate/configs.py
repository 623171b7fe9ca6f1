"""The named configurations a run can score: the references and ``ours`` with one knob changed at a time."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ml.evaluate.data import Dataset
from ml.evaluate.features import PooledFeatures
from ml.evaluate.methods import ClosetspaceMethod, CosineKnnMethod, Method, RandomMethod
from ml.evaluate.ours import OursMethod, OursSettings


@dataclass(frozen=True)
class ConfigSpec:
    name: str
    description: str
    build: Callable[[Dataset, PooledFeatures], Method]


def _ours_builder(**changes: Any) -> Callable[[Dataset, PooledFeatures], Method]:
    def build(data: Dataset, features: PooledFeatures) -> Method:
        settings = OursSettings(**changes)
        image = features.image(input_size=settings.input_size, pooling=settings.pooling)
        return OursMethod(image, features.text(), data, settings)

    return build


def config_specs(*, seed_input_size: int, ours_input_size: int | None = None) -> dict[str, ConfigSpec]:
    s = seed_input_size
    base: dict[str, Any] = {"input_size": ours_input_size} if ours_input_size else {}
    d = OursSettings(**base)

    def _ours(**changes: Any) -> Callable[[Dataset, PooledFeatures], Method]:
        return _ours_builder(**{**base, **changes})

    return {spec.name: spec for spec in [
        ConfigSpec("random", "random items of the pool", lambda data, f: RandomMethod(len(data))),
        ConfigSpec("seed-knn", f"Lite0 {s}px max pooling, exact cosine kNN, wardrobe mean, no noise",
                   lambda data, f: CosineKnnMethod(f.image(input_size=s, pooling="max"))),
        ConfigSpec("seed-closetspace",
                   f"Lite0 {s}px avg pooling raw + SBERT(name), euclidean, wardrobe mean, N(0, 0.1) on items",
                   lambda data, f: ClosetspaceMethod(f.image(input_size=s, pooling="avg", raw=True), f.text())),
        ConfigSpec("seed-closetspace-nonoise", "seed-closetspace without its noise",
                   lambda data, f: ClosetspaceMethod(f.image(input_size=s, pooling="avg", raw=True), f.text(),
                                                     sigma=0.0)),
        ConfigSpec("ours", f"Lite0 {d.input_size}px avg, w={d.image_weight}, imputed photo text, ranking.recommend "
                   f"(<= {d.max_clusters} centroids, sigma {d.sigma}, MMR {d.mmr_lambda}), "
                   "closet gender filter (ml.gender)",
                   _ours()),
        ConfigSpec("ours-nofilter", "ours without the closet gender filter", _ours(tag_filter=False)),
        ConfigSpec("ours-usage", "ours plus a usage filter (the auto-tag consensus of the closet's usage)",
                   _ours(usage_filter=True)),
        ConfigSpec("ours-votegender", "ours with the closet gender voted by auto-tags (the rule before the probe)",
                   _ours(gender_rule="vote")),
        ConfigSpec("ours-itemprobe", "ours with the gender probe on the whole item vectors (image + text)",
                   _ours(probe_features="item")),
        ConfigSpec("ours-noimpute", "ours without text imputed for photos", _ours(impute_neighbours=0)),
        ConfigSpec("ours-imageonly", "ours with image weight 1 (no text at all)", _ours(image_weight=1.0)),
        ConfigSpec("ours-w0.5", "ours with image weight 0.5", _ours(image_weight=0.5)),
        ConfigSpec("ours-w0.85", "ours with image weight 0.85", _ours(image_weight=0.85)),
        ConfigSpec("ours-stated", "ours for people who stated whom they shop for and the occasion (the persona's "
                   "gender and usage filter, as accounts.preferences feeds For you)", _ours(stated_preferences=True)),
        ConfigSpec("ours-nogroups", "ours without a centroid per category group (style clusters only)",
                   _ours(category_groups=False)),
        ConfigSpec("ours-noslots", "ours with the centroids competing on relevance alone and no category groups "
                   "(the ranking before slots)", _ours(category_groups=False, centroid_slots=False)),
        ConfigSpec("ours-k1", "ours with one centroid (the wardrobe mean)", _ours(max_clusters=1)),
        ConfigSpec("ours-sigma0.05", "ours with ranking's default query noise 0.05", _ours(sigma=0.05)),
        ConfigSpec("ours-sigma0.2", "ours with query noise 0.2", _ours(sigma=0.2)),
        ConfigSpec("ours-sigma0.5", "ours with query noise 0.5", _ours(sigma=0.5)),
        ConfigSpec("ours-maxpool", "ours with global max pooling", _ours(pooling="max")),
        ConfigSpec("ours-128px", "ours at 128 px input", _ours(input_size=128)),
        ConfigSpec("ours-160px", "ours at 160 px input", _ours(input_size=160)),
    ]}


DEFAULT_CONFIGS = ("random", "seed-knn", "seed-closetspace", "ours")
