"""The named configurations a run can score: the references and ``ours`` with one knob changed at a time.

Each names the image vectors it reads (``ImageSpec``), so the home-photo tasks embed its home photos with the same
encoder as its catalogue vectors, and whether those photos go through the background removal first (``home_mask``;
``ours-nomask`` measures what the removal is worth). ``ours`` reads the site's default trunk (the fine-tuned
``ml.weights.FINE_TUNED_WEIGHTS``); ``ours-imagenet`` the ImageNet weights it replaced. With ``weights`` (another
checkpoint, e.g. a new fine-tune), ``ours-ft`` and ``ours-ft-nomask`` read the image vectors of that encoder.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.evaluate.data import Dataset
from ml.evaluate.features import ImageSpec, PooledFeatures
from ml.evaluate.methods import ClosetspaceMethod, CosineKnnMethod, Method, RandomMethod
from ml.evaluate.ours import OursMethod, OursSettings


@dataclass(frozen=True)
class ConfigSpec:
    name: str
    description: str
    build: Callable[[Dataset, PooledFeatures], Method]
    image: ImageSpec | None = None  # the image vectors it reads (None: none, ``random``)
    home_mask: bool = True  # home photos go through ml.masks.photo_for_embedding before the encoder


def ours_spec(name: str, description: str, *, home_mask: bool = True, **changes: Any) -> ConfigSpec:
    """``ours`` with ``changes`` to its OursSettings (a named configuration, or a bench's sweep)."""
    settings = OursSettings(**changes)
    image = ImageSpec(settings.input_size, settings.pooling, weights=settings.weights)

    def build(data: Dataset, features: PooledFeatures) -> Method:
        return OursMethod(features.image(**image.kwargs()), features.text(), data, settings)

    return ConfigSpec(name, description, build, image, home_mask)


def _reference_spec(name: str, description: str, image: ImageSpec,
                    make: Callable[[np.ndarray, PooledFeatures], Method]) -> ConfigSpec:
    return ConfigSpec(name, description, lambda data, f: make(f.image(**image.kwargs()), f), image)


def config_specs(*, seed_input_size: int, ours_input_size: int | None = None,
                 weights: str | None = None) -> dict[str, ConfigSpec]:
    """Every configuration a run may name; ``weights`` adds ``ours-ft`` and ``ours-ft-nomask``."""
    s = seed_input_size
    base: dict[str, Any] = {"input_size": ours_input_size} if ours_input_size else {}
    d = OursSettings(**base)

    def spec(name: str, description: str, *, home_mask: bool = True, **changes: Any) -> ConfigSpec:
        return ours_spec(name, description, home_mask=home_mask, **{**base, **changes})

    fine_tuned = [
        spec("ours-ft", f"ours with the fine-tuned image encoder {weights}", weights=weights),
        spec("ours-ft-nomask", "ours-ft with home photos embedded without background removal", weights=weights,
             home_mask=False),
    ] if weights else []
    return {c.name: c for c in [
        ConfigSpec("random", "random items of the pool", lambda data, f: RandomMethod(len(data))),
        _reference_spec("seed-knn", f"Lite0 {s}px max pooling, exact cosine kNN, wardrobe mean, no noise",
                        ImageSpec(s, "max"), lambda image, f: CosineKnnMethod(image)),
        _reference_spec("seed-closetspace",
                        f"Lite0 {s}px avg pooling raw + SBERT(name), euclidean, wardrobe mean, N(0, 0.1) on items",
                        ImageSpec(s, "avg", raw=True), lambda image, f: ClosetspaceMethod(image, f.text())),
        _reference_spec("seed-closetspace-nonoise", "seed-closetspace without its noise",
                        ImageSpec(s, "avg", raw=True), lambda image, f: ClosetspaceMethod(image, f.text(), sigma=0.0)),
        spec("ours", f"Lite0 {d.input_size}px avg, {'fine-tuned trunk' if d.weights else 'ImageNet'}, "
             f"w={d.image_weight}, imputed photo text, ranking.recommend "
             f"(<= {d.max_clusters} centroids, sigma {d.sigma}, MMR {d.mmr_lambda}), "
             "closet gender filter (ml.gender)"),
        spec("ours-nomask", "ours with home photos embedded without background removal", home_mask=False),
        spec("ours-imagenet", "ours with Lite0's ImageNet weights (the default before the fine-tuned trunk)",
             weights=None),
        spec("ours-imagenet-nomask", "ours-imagenet with home photos embedded without background removal",
             weights=None, home_mask=False),
        spec("ours-nofilter", "ours without the closet gender filter", tag_filter=False),
        spec("ours-usage", "ours plus a usage filter (the auto-tag consensus of the closet's usage)",
             usage_filter=True),
        spec("ours-votegender", "ours with the closet gender voted by auto-tags (the rule before the probe)",
             gender_rule="vote"),
        spec("ours-itemprobe", "ours with the gender probe on the whole item vectors (image + text)",
             probe_features="item"),
        spec("ours-noimpute", "ours without text imputed for photos", impute_neighbours=0),
        spec("ours-imageonly", "ours with image weight 1 (no text at all)", image_weight=1.0),
        spec("ours-w0.5", "ours with image weight 0.5", image_weight=0.5),
        spec("ours-w0.85", "ours with image weight 0.85", image_weight=0.85),
        spec("ours-stated", "ours for people who stated whom they shop for and the occasion (the persona's "
             "gender and usage filter, as accounts.preferences feeds For you)", stated_preferences=True),
        spec("ours-nogroups", "ours without a centroid per category group (style clusters only)",
             category_groups=False),
        spec("ours-noslots", "ours with the centroids competing on relevance alone and no category groups "
             "(the ranking before slots)", category_groups=False, centroid_slots=False),
        spec("ours-noimagelead", "ours without find similar's image lead (the borrowed-text ranking alone)",
             image_first=0),
        spec("ours-nocomplete", "ours without the \"Complete your closet\" cards (the closet's own part fills the "
             "whole list)", complete_closet=False),
        spec("ours-k1", "ours with one centroid (the wardrobe mean)", max_clusters=1),
        spec("ours-sigma0.05", "ours with ranking's default query noise 0.05", sigma=0.05),
        spec("ours-sigma0.2", "ours with query noise 0.2", sigma=0.2),
        spec("ours-sigma0.5", "ours with query noise 0.5", sigma=0.5),
        spec("ours-maxpool", "ours with global max pooling", pooling="max"),
        spec("ours-128px", "ours at 128 px input", input_size=128),
        spec("ours-160px", "ours at 160 px input", input_size=160),
        *fine_tuned,
    ]}


DEFAULT_CONFIGS = ("random", "seed-knn", "seed-closetspace", "ours", "ours-nomask", "ours-imagenet")
FINE_TUNED_CONFIGS = ("ours-ft", "ours-ft-nomask")  # added to the defaults when a run is given --weights
