"""Builders for the recommendation tests: an inventory and closets with hand-made vectors of one model version,
so the ranking runs for real over a real index without running the CNN."""
from __future__ import annotations

from decimal import Decimal

import numpy as np

from recommender import services
from tests.factories import GarmentFactory, InventoryItemFactory
from wardrobe import taxonomy

MODEL = "test-model-v1"
DIM = 16
CATEGORIES = [taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.SHOES, taxonomy.OUTERWEAR, taxonomy.DRESSES, taxonomy.BAGS]
GENDERS = ["Men", "Women", "Unisex"]
SIZES = [["S", "M"], ["M", "L"], ["L", "XL"], ["XS", "S"]]


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


def random_units(n: int, *, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def make_inventory(n: int = 240, *, seed: int = 0, build: bool = True):
    """n items spread over the sphere, cycling categories, genders, sizes and prices 10..129."""
    items = []
    for i, v in enumerate(random_units(n, seed=seed)):
        items.append(
            InventoryItemFactory(
                vector=v, category=CATEGORIES[i % len(CATEGORIES)], gender=GENDERS[i % len(GENDERS)],
                sizes=SIZES[i % len(SIZES)], price=Decimal(10 + (i * 7) % 120), currency="EUR",
                product_url=f"https://shop.example.com/p/{i}", name=f"Item {i}",
            )
        )
    if build:
        services.rebuild_index(force=True)
    return items


def ready_garment(owner, vector, *, category: str = taxonomy.TOPS, name: str = ""):
    """A closet garment (real stored photo) whose embedding is ``vector`` of the test model version."""
    kwargs = {"owner": owner, "category": category}
    if name:
        kwargs["name"] = name
    garment = GarmentFactory(**kwargs)
    garment.mark_processing()
    garment.mark_ready(np.asarray(vector, dtype="<f4").tobytes(), MODEL)
    return garment


def closet_near(owner, items, *, picks=(0, 7, 14), noise: float = 0.15, seed: int = 1):
    """Garments near some inventory items (not copies), of those items' categories."""
    rng = np.random.default_rng(seed)
    out = []
    for i in picks:
        v = np.frombuffer(bytes(items[i].embedding), dtype="<f4")
        out.append(ready_garment(owner, unit(v + noise * rng.normal(size=DIM)), category=items[i].category, name=f"Owned {i}"))
    return out
