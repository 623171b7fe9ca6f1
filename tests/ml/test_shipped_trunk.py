"""The fine-tuned image trunk the project ships (ml/weights/lite0-heads-96.pt) and is the site's default.

What a caller would notice: the file is small fp16 within the repository's limit, it loads into the encoder under a
version of its own, and on photos it never trained on it finds more garments of the same type than the ImageNet
weights it replaced, above all from photos taken at home.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ml.data import load_styles, split_of
from ml.encoders import FINE_TUNED_WEIGHTS, ImageEncoder, load_checkpoint
from ml.homephotos import make_home_photo
from ml.masks import photo_for_embedding

pytestmark = pytest.mark.slow

MAX_BYTES = 10 * 1024 * 1024  # the repository's limit for a checkpoint of our own training


def test_the_shipped_trunk_is_an_fp16_file_under_ten_megabytes():
    assert FINE_TUNED_WEIGHTS.is_file(), "ml/weights/lite0-heads-96.pt is missing (docs/finetune.md makes it)"
    assert FINE_TUNED_WEIGHTS.stat().st_size <= MAX_BYTES
    payload = load_checkpoint(FINE_TUNED_WEIGHTS)
    floats = [t for t in payload["encoder"].values() if t.is_floating_point()]
    assert floats and all(t.dtype == torch.float16 for t in floats)


def test_the_shipped_trunk_loads_under_a_version_naming_its_checksum():
    tuned = ImageEncoder(input_size=96, weights=FINE_TUNED_WEIGHTS, device="cpu")
    imagenet = ImageEncoder(input_size=96, device="cpu")
    assert tuned.version != imagenet.version
    assert tuned.embed([Image.new("RGB", (60, 80), (200, 40, 40))]).shape == (1, 1280)


def _same_type_precision(encoder: ImageEncoder, catalogue: np.ndarray, queries: list, query_rows: list[int],
                         types: np.ndarray, k: int = 5) -> float:
    """Mean share of the k nearest catalogue photos (the query's own product left out) of the query's type."""
    q = encoder.embed(queries)
    sims = q @ catalogue.T
    hits = []
    for i, row in enumerate(query_rows):
        sims[i, row] = -np.inf
        top = np.argsort(-sims[i])[:k]
        hits.append(float(np.mean(types[top] == types[row])))
    return float(np.mean(hits))


@pytest.fixture(scope="module")
def same_type_precision(mini_dataset) -> dict[tuple[str, str], float]:
    """P@5 of the same articleType for held-out mini-set products (validation and evaluation split: the fine-tuning
    never read them), queried by their catalogue photo and by a generated home photo, per trunk."""
    items = load_styles(mini_dataset)
    paths = [mini_dataset / "images" / f"{item.id}.jpg" for item in items]
    types = np.array([item.article_type for item in items])
    held_out = [i for i, item in enumerate(items) if split_of(item.id) != "train"]
    assert len(held_out) >= 60
    queries = {
        "catalogue": [paths[i] for i in held_out],
        "home": [photo_for_embedding(make_home_photo(paths[i], seed=0, key=i).jpeg) for i in held_out],
    }
    scores = {}
    for trunk, weights in (("imagenet", None), ("shipped", FINE_TUNED_WEIGHTS)):
        encoder = ImageEncoder(input_size=96, weights=weights, device="cpu")
        catalogue = encoder.embed(paths)
        for kind, photos in queries.items():
            scores[trunk, kind] = _same_type_precision(encoder, catalogue, photos, held_out, types)
    return scores


# Measured when the trunk was shipped: home 0.42 -> 0.63 (0.62-0.64 over generator seeds 0-2), catalogue 0.50 -> 0.61.
@pytest.mark.parametrize("kind", ["home", "catalogue"])
def test_the_shipped_trunk_finds_more_of_the_same_type_than_imagenet_for_held_out_products(same_type_precision, kind):
    assert same_type_precision["shipped", kind] > same_type_precision["imagenet", kind], same_type_precision
