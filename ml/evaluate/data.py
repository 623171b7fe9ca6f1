"""The evaluation's data: a styles-format dataset as label arrays, the sampled queries and synthetic wardrobes.

Every sample is drawn from the run's seed, so the same queries and wardrobes serve every configuration. A run draws
its samples only ``among`` the items of the "evaluation" split (``ml.data.split_of``, ``Dataset.evaluation``): a
fine-tuned encoder trained on the "train" split is then never scored on a photo it learnt from; the inventory the
methods search stays every item.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.data import StyleItem, load_styles, split_of
from wardrobe import taxonomy  # plain Python: the one owner of the site's categories

# The tasks' list lengths: find-similar and auto-tag neighbours, a wardrobe's recommendations, a home photo's own
# product.
K_SIMILAR = 10
K_RECOMMEND = 20
AUTOTAG_NEIGHBOURS = 10
K_HOME_SELF = 12  # a home photo's own product counts as found within this many (a find-similar page's first row)


@dataclass
class Dataset:
    """The items of a dataset folder with their labels as arrays (position i is item i)."""

    root: Path
    items: list[StyleItem]
    article_type: np.ndarray = field(init=False)
    base_colour: np.ndarray = field(init=False)
    gender: np.ndarray = field(init=False)
    usage: np.ndarray = field(init=False)
    sub_category: np.ndarray = field(init=False)
    site_category: np.ndarray = field(init=False)  # wardrobe.taxonomy's category, what the site's auto-tag fills
    split: np.ndarray = field(init=False)  # ml.data.split_of of each id

    def __post_init__(self) -> None:
        self.article_type = np.array([i.article_type for i in self.items], dtype=object)
        self.base_colour = np.array([i.base_colour for i in self.items], dtype=object)
        self.gender = np.array([i.gender for i in self.items], dtype=object)
        self.usage = np.array([i.usage for i in self.items], dtype=object)
        self.sub_category = np.array([i.sub_category for i in self.items], dtype=object)
        self.site_category = np.array([taxonomy.category_for(i.master_category, i.sub_category, i.article_type)
                                       for i in self.items], dtype=object)
        self.split = np.array([split_of(i.id) for i in self.items], dtype=object)

    def __len__(self) -> int:
        return len(self.items)

    def labels(self, index: int) -> dict[str, str]:
        return {
            "article_type": self.article_type[index],
            "base_colour": self.base_colour[index],
            "gender": self.gender[index],
            "usage": self.usage[index],
            "sub_category": self.sub_category[index],
            "site_category": self.site_category[index],
        }

    def evaluation(self) -> np.ndarray:
        """Positions of the items of the "evaluation" split: what a run samples its queries and closets from."""
        return np.flatnonzero(self.split == "evaluation")

    def describe(self) -> dict:
        return {
            "path": str(self.root),
            "items": len(self.items),
            "article_types": len(set(self.article_type)),
            "colours": len(set(self.base_colour)),
        }


def load_dataset(data_dir: Path | str) -> Dataset:
    root = Path(data_dir)
    if not (root / "items.csv").is_file():
        raise SystemExit(f"{root}: no items.csv here; --data must be a styles-format dataset folder")
    items = load_styles(root)
    if len(items) < 2:
        raise SystemExit(f"{root}: {len(items)} item(s) with an image; need at least 2 to evaluate")
    return Dataset(root=root, items=items)


def sample_queries(among: int | np.ndarray, *, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct item positions of ``among`` (positions, or a count: every position below it); all of them
    when there are fewer."""
    pool = np.arange(among) if isinstance(among, (int, np.integer)) else np.asarray(among, dtype=np.int64)
    return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False))


@dataclass(frozen=True)
class Wardrobe:
    gender: str
    usage: str
    palette: tuple[str, ...]
    items: tuple[int, ...]
    heldout: tuple[int, ...]


@dataclass(frozen=True)
class Board:
    """A mood board for one wardrobe (ml.evaluate.moodboard): item positions of its photos and held-out items."""

    palette: tuple[str, ...]
    items: tuple[int, ...]
    heldout: tuple[int, ...]


def _among(data: Dataset, among: np.ndarray | None) -> np.ndarray:
    """A mask of the positions samples may use (every item when ``among`` is None)."""
    mask = np.zeros(len(data), dtype=bool)
    mask[np.arange(len(data)) if among is None else np.asarray(among, dtype=np.int64)] = True
    return mask


def personas(data: Dataset, *, min_items: int, among: np.ndarray | None = None) -> list[tuple[str, str]]:
    """(gender, usage) pairs with at least ``min_items`` items (of ``among``, when given). Unisex and unknown values
    are left out: a closet of one gender is what tells the recommender whom it dresses, and "Unisex" names no one."""
    allowed = _among(data, among)
    counts = Counter(zip(data.gender[allowed], data.usage[allowed]))
    return sorted(
        (g, u) for (g, u), c in counts.items() if c >= min_items and g and u and g != "Unisex"
    )


def sample_wardrobes(
    data: Dataset,
    *,
    n: int,
    rng: np.random.Generator,
    size: int = 10,
    heldout: int = 5,
    palette_size: int = 3,
    min_types: int = 3,
    min_persona_items: int = 60,
    max_tries: int = 200,
    among: np.ndarray | None = None,
) -> list[Wardrobe]:
    """``n`` synthetic wardrobes: a persona drawn uniformly, a palette of ``palette_size`` colours drawn with the
    persona's colour frequencies, ``size`` items of that persona and palette spanning ``min_types`` article types,
    and ``heldout`` more such items to find again; every item of ``among`` when given."""
    candidates = personas(data, min_items=min_persona_items, among=among)
    if not candidates:
        raise ValueError(f"no (gender, usage) persona has {min_persona_items} items; lower --min-persona-items")
    allowed = _among(data, among)
    by_persona = {p: np.flatnonzero((data.gender == p[0]) & (data.usage == p[1]) & allowed) for p in candidates}
    wardrobes: list[Wardrobe] = []
    tries = 0
    while len(wardrobes) < n:
        tries += 1
        if tries > max_tries * max(n, 1):
            raise ValueError(f"could only build {len(wardrobes)} of {n} wardrobes from this dataset")
        gender, usage = candidates[rng.integers(len(candidates))]
        members = by_persona[(gender, usage)]
        colours = Counter(c for c in data.base_colour[members] if c)
        if len(colours) < palette_size:
            continue
        names = sorted(colours)
        weights = np.array([colours[c] for c in names], dtype=float)
        palette = tuple(rng.choice(names, size=palette_size, replace=False, p=weights / weights.sum()))
        pool = members[np.isin(data.base_colour[members], palette)]
        if len(pool) < size + heldout or len(set(data.article_type[pool])) < min_types:
            continue
        pool = rng.permutation(pool)
        first: dict[str, int] = {}
        for i in pool:
            first.setdefault(data.article_type[i], int(i))
        types = rng.choice(sorted(first), size=min_types, replace=False)
        chosen = [first[t] for t in types]
        rest = [int(i) for i in pool if int(i) not in chosen]
        chosen += rest[: size - min_types]
        held = rest[size - min_types : size - min_types + heldout]
        wardrobes.append(Wardrobe(gender, usage, tuple(sorted(palette)), tuple(chosen), tuple(held)))
    return wardrobes
