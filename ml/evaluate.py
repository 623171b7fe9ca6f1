"""Offline evaluation of recommendation quality on a styles-format dataset.

``python -m ml.evaluate --data DIR --out var/eval.json`` scores several configurations in one run on three tasks:
find-similar from a photo, recommendations for synthetic wardrobes (named and photo-only), and kNN auto-tagging;
and it times them. Embeddings are cached under ``--cache`` (default var/embeddings/) keyed by model version and
the checksum of each image (or text), so configurations that share an encoder embed once and a second run embeds
nothing. docs/evaluation.md explains the tasks, the numbers and what we concluded from them.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml import metrics
from ml.autotag import Suggestion, consensus, suggest_tags
from ml.data import StyleItem, load_styles

K_SIMILAR = 10
K_RECOMMEND = 20
AUTOTAG_NEIGHBOURS = 10
GENDER_MIN_SHARE = 0.5  # of the non-Unisex votes of a closet's photos, for the gender filter
USAGE_MIN_SHARE = 0.5
SIMILAR_DUPLICATE = 0.99  # ml.ranking.similar_to's default duplicate_threshold


# ---------------------------------------------------------------------------------------------------------------
# Data: the dataset as arrays, the queries and the synthetic wardrobes


@dataclass
class Dataset:
    """The items of a dataset folder with their labels as arrays (position i is item i)."""

    root: Path
    items: list[StyleItem]
    article_type: np.ndarray = field(init=False)
    base_colour: np.ndarray = field(init=False)
    gender: np.ndarray = field(init=False)
    usage: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.article_type = np.array([i.article_type for i in self.items], dtype=object)
        self.base_colour = np.array([i.base_colour for i in self.items], dtype=object)
        self.gender = np.array([i.gender for i in self.items], dtype=object)
        self.usage = np.array([i.usage for i in self.items], dtype=object)

    def __len__(self) -> int:
        return len(self.items)

    def labels(self, index: int) -> dict[str, str]:
        return {
            "article_type": self.article_type[index],
            "base_colour": self.base_colour[index],
            "gender": self.gender[index],
            "usage": self.usage[index],
        }

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


def sample_queries(n_items: int, *, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct item positions (all items when the dataset is smaller)."""
    return np.sort(rng.choice(n_items, size=min(n, n_items), replace=False))


@dataclass(frozen=True)
class Wardrobe:
    gender: str
    usage: str
    palette: tuple[str, ...]
    items: tuple[int, ...]
    heldout: tuple[int, ...]


def personas(data: Dataset, *, min_items: int) -> list[tuple[str, str]]:
    """(gender, usage) pairs with at least ``min_items`` items. Unisex and unknown values are left out: a closet
    of one gender is what tells the recommender whom it dresses, and "Unisex" names no one."""
    counts = Counter(zip(data.gender, data.usage))
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
) -> list[Wardrobe]:
    """``n`` synthetic wardrobes: a persona drawn uniformly, a palette of ``palette_size`` colours drawn with the
    persona's colour frequencies, ``size`` items of that persona and palette spanning ``min_types`` article types,
    and ``heldout`` more such items to find again."""
    candidates = personas(data, min_items=min_persona_items)
    if not candidates:
        raise ValueError(f"no (gender, usage) persona has {min_persona_items} items; lower --min-persona-items")
    by_persona = {p: np.flatnonzero((data.gender == p[0]) & (data.usage == p[1])) for p in candidates}
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


# ---------------------------------------------------------------------------------------------------------------
# Features: embeddings of every item, cached on disk


def file_checksum(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def text_checksum(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors on disk, one folder per model version, looked up by content checksum.

    A version string changes whenever the weights, input size or pooling change, so a stale vector is never
    reused; an image that changes gets a new checksum. Each chunk that gets embedded is written as its own part
    file at once, so an interrupted run keeps what it had finished.
    """

    def __init__(self, root: Path, *, chunk: int = 2048) -> None:
        self.root = Path(root)
        self.chunk = chunk

    def _folder(self, version: str) -> Path:
        return self.root / "".join(c if c.isalnum() or c in "-_." else "_" for c in version)

    def load(self, version: str) -> dict[str, np.ndarray]:
        known: dict[str, np.ndarray] = {}
        folder = self._folder(version)
        for part in sorted(folder.glob("part-*.npz")) if folder.is_dir() else []:
            with np.load(part, allow_pickle=False) as stored:
                known.update(zip(stored["keys"].tolist(), stored["vectors"]))
        return known

    def get(self, version: str, keys: Sequence[str], compute: Callable[[list[int]], np.ndarray]) -> np.ndarray:
        """Vectors for ``keys``; ``compute(positions)`` embeds the ones not cached yet, a chunk at a time."""
        known = self.load(version)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in known:
                first.setdefault(k, i)
        missing = list(first.values())
        folder = self._folder(version)
        for start in range(0, len(missing), self.chunk):
            positions = missing[start : start + self.chunk]
            fresh = np.asarray(compute(positions), dtype=np.float32)
            folder.mkdir(parents=True, exist_ok=True)
            part_keys = [keys[i] for i in positions]
            name = f"part-{time.time_ns()}-{os.getpid()}"
            tmp = folder / f"{name}.tmp.npz"
            np.savez(tmp, keys=np.array(part_keys), vectors=fresh)
            os.replace(tmp, folder / f"{name}.npz")
            known.update(zip(part_keys, fresh))
            if len(missing) > self.chunk:
                print(f"  embedded {min(start + self.chunk, len(missing))}/{len(missing)} ({version})",
                      file=sys.stderr, flush=True)
        return np.stack([known[k] for k in keys]).astype(np.float32)


def normalise_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1, norms)).astype(np.float32)


class PooledFeatures:
    """Average- and max-pooled image features from one forward pass per image (the expensive part), plus text.

    Both poolings come out of the same feature map, so the seed configurations (max pooling; raw average
    pooling) and ours (average pooling) cost one pass over the photos at each input size.
    """

    def __init__(self, data: Dataset, *, cache: EmbeddingCache, device: str = "cpu", batch_size: int = 64,
                 cost_sample: int = 256) -> None:
        self.data = data
        self.cache = cache
        self.device = device
        self.batch_size = batch_size
        self.cost_sample = cost_sample
        self.embed_ms_per_item: dict[str, float] = {}
        self._raw: dict[tuple[int, str], np.ndarray] = {}
        self._text: np.ndarray | None = None
        self._paths = [item.image_path(data.root) for item in data.items]
        self._image_keys: list[str] | None = None

    def image(self, *, input_size: int, pooling: str, raw: bool = False) -> np.ndarray:
        """(n, dim) image vectors; L2-normalised unless ``raw`` (the pooled activations as they come)."""
        if (input_size, pooling) not in self._raw:
            self._embed_images(input_size)
        vectors = self._raw[(input_size, pooling)]
        return vectors if raw else normalise_rows(vectors)

    def _embed_images(self, input_size: int) -> None:
        import torch

        from ml.encoders import ImageEncoder

        encoders = {p: ImageEncoder("efficientnet_lite0", input_size=input_size, pooling=p, device=self.device,
                                    batch_size=self.batch_size) for p in ("avg", "max")}
        main = encoders["avg"]
        model = main.model.eval()

        @torch.inference_mode()
        def both(paths: list) -> np.ndarray:
            rows = []
            for _, batch, errors in main._batches(paths):
                if errors:
                    raise SystemExit(f"unreadable images: {errors}")
                fmap = model.forward_features(main._normalise(batch)).float()
                rows.append(torch.cat([fmap.mean(dim=(2, 3)), fmap.amax(dim=(2, 3))], dim=1).cpu().numpy())
            return np.concatenate(rows)

        if self._image_keys is None:
            self._image_keys = [file_checksum(p) for p in self._paths]
        version = f"{main.version}+avg,max,raw"
        self._time(version, lambda idx: both([self._paths[i] for i in idx]))
        for p, encoder in encoders.items():
            self.embed_ms_per_item[encoder.version] = self.embed_ms_per_item[version]
        stacked = self.cache.get(version, self._image_keys, lambda idx: both([self._paths[i] for i in idx]))
        dim = main.dim
        self._raw[(input_size, "avg")] = stacked[:, :dim]
        self._raw[(input_size, "max")] = stacked[:, dim:]

    def text(self) -> np.ndarray:
        """(n, 384) SBERT vectors of each item's display name (an empty name gives a zero row)."""
        if self._text is None:
            from ml.encoders import TextEncoder

            encoder = TextEncoder(device=self.device)
            texts = [item.name for item in self.data.items]
            self._time(encoder.version, lambda idx: encoder.embed([texts[i] for i in idx]))
            self._text = self.cache.get(encoder.version, [text_checksum(t) for t in texts],
                                        lambda idx: encoder.embed([texts[i] for i in idx]))
        return self._text

    def _time(self, version: str, embed: Callable[[list[int]], np.ndarray]) -> None:
        n = min(self.cost_sample, len(self.data))
        embed(list(range(min(8, n))))  # model load and first-call overhead are not a per-item cost
        start = time.perf_counter()
        embed(list(range(n)))
        self.embed_ms_per_item[version] = (time.perf_counter() - start) / n * 1000


# ---------------------------------------------------------------------------------------------------------------
# Methods: one per configuration, all answering the same two questions


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the ``k`` highest scores of each row, best first (-inf marks excluded columns)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _exclude_self(scores: np.ndarray, rows: np.ndarray, start: int) -> None:
    scores[np.arange(len(scores)), rows[start : start + len(scores)]] = -np.inf


class Method:
    """``similar``: neighbours of photo-only queries among all other items. ``recommend``: top ``k`` of the pool
    (every item not in the wardrobe) for a wardrobe, with names or photo-only; ``rng`` draws the noise."""

    name = "method"
    chunk = 256

    def similar(self, queries: np.ndarray, *, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def prepare(self, *, evaluation_items: np.ndarray, wardrobes: Sequence[Wardrobe] = ()) -> None:
        """Called once before scoring with every query, wardrobe and held-out item of the run (a method that
        learns from labels, ``ours``' gender probe, must not learn from these) and the wardrobes to come (a method
        may prepare each closet once, as a site does once per upload, rather than once per refresh)."""


class RandomMethod(Method):
    """The floor: items drawn uniformly from the pool."""

    name = "random"

    def __init__(self, n_items: int) -> None:
        self.n = n_items

    def similar(self, queries, *, k, rng):
        picks = np.empty((len(queries), k), dtype=np.int64)
        for row, q in enumerate(queries):
            draw = rng.choice(self.n - 1, size=min(k, self.n - 1), replace=False)
            picks[row, : len(draw)] = np.where(draw >= q, draw + 1, draw)
        return picks, np.ones(picks.shape, dtype=np.float32)

    def recommend(self, wardrobe, *, named, k, rng):
        pool = np.setdiff1d(np.arange(self.n), wardrobe.items)
        return rng.choice(pool, size=min(k, len(pool)), replace=False)


class CosineKnnMethod(Method):
    """The simpler references: one unit image vector per item, exact cosine kNN, the wardrobe's mean as query."""

    name = "seed-knn"

    def __init__(self, image: np.ndarray) -> None:
        self.x = image

    def similar(self, queries, *, k, rng):
        idx, dist = [], []
        for start in range(0, len(queries), self.chunk):
            scores = self.x[queries[start : start + self.chunk]] @ self.x.T
            _exclude_self(scores, queries, start)
            top = _top_k(scores, k)
            idx.append(top)
            dist.append(np.maximum(1 - np.take_along_axis(scores, top, axis=1), 0))
        return np.concatenate(idx), np.concatenate(dist)

    def recommend(self, wardrobe, *, named, k, rng):
        query = normalise_rows(self.x[list(wardrobe.items)].mean(axis=0, keepdims=True))
        scores = query @ self.x.T
        scores[0, list(wardrobe.items)] = -np.inf
        return _top_k(scores, k)[0]


class ClosetspaceMethod(Method):
    """The main reference: [raw image features, SBERT(name)] concatenated without normalising the blocks,
    euclidean nearest neighbours of the wardrobe's mean, N(0, sigma) noise on every inventory vector per request.

    The reference rebuilds a 50-tree Annoy index over the noisy vectors on every request; here the distance to
    each noisy vector is drawn exactly from its distribution instead (for a query q, item x and noise
    n ~ N(0, sigma^2 I_d): |q - x - n|^2 = (|q - x| - z)^2 + sigma^2 chi2_{d-1} with z ~ N(0, sigma^2)), which is
    the same ranking distribution as exact search over noisy vectors at the cost of two draws per item. Annoy's
    approximation could only make the reference look worse than this.
    """

    name = "seed-closetspace"

    def __init__(self, image_raw: np.ndarray, text: np.ndarray, *, sigma: float = 0.1) -> None:
        self.image = image_raw
        self.text = text
        self.x = np.concatenate([image_raw, text], axis=1)
        self.sq = (self.x**2).sum(axis=1)
        self.sigma = sigma

    def _noisy_scores(self, q: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Negative (noisy) squared euclidean distances, rows = queries."""
        d2 = np.maximum((q**2).sum(axis=1, keepdims=True) - 2 * q @ self.x.T + self.sq, 0)
        if self.sigma > 0:
            dof = self.x.shape[1] - 1
            z = rng.standard_normal(d2.shape, dtype=np.float32) * self.sigma
            chi2 = dof + math.sqrt(2 * dof) * rng.standard_normal(d2.shape, dtype=np.float32)
            d2 = (np.sqrt(d2) - z) ** 2 + self.sigma**2 * chi2
        return -d2

    def similar(self, queries, *, k, rng):
        idx, dist = [], []
        for start in range(0, len(queries), self.chunk):
            rows = queries[start : start + self.chunk]
            q = np.concatenate([self.image[rows], np.zeros_like(self.text[rows])], axis=1)
            scores = self._noisy_scores(q, rng)
            _exclude_self(scores, queries, start)
            top = _top_k(scores, k)
            idx.append(top)
            dist.append(np.sqrt(np.maximum(-np.take_along_axis(scores, top, axis=1), 0)))
        return np.concatenate(idx), np.concatenate(dist)

    def recommend(self, wardrobe, *, named, k, rng):
        items = list(wardrobe.items)
        text = self.text[items] if named else np.zeros_like(self.text[items])
        q = np.concatenate([self.image[items], text], axis=1).mean(axis=0, keepdims=True)
        scores = self._noisy_scores(q, rng)
        scores[0, items] = -np.inf
        return _top_k(scores, k)[0]


@dataclass
class OursSettings:
    """The knobs of ``ours``; the defaults are what docs/evaluation.md concluded."""

    input_size: int = 96
    pooling: str = "avg"
    image_weight: float = 0.7
    sigma: float = 0.3
    mmr_lambda: float = 0.7
    max_clusters: int = 5
    exploration: float = 0.1
    impute_neighbours: int = 10
    tag_filter: bool = True
    usage_filter: bool = False  # the closet's usage (auto-tag consensus) filters too: not in the product
    gender_rule: str = "probe"  # "probe": ml.gender over the closet's vectors; "vote": auto-tag votes (before)
    probe_features: str = "image"  # "image": the image block of the vectors; "item": the whole blended vectors


class OursMethod(Method):
    """The project's pipeline: ``ml.ranking.recommend`` and ``ml.ranking.similar_to`` over an exact index of
    item vectors blended as ``ml.encoders.ItemEncoder`` does (unit blocks, sqrt(w) and sqrt(1 - w)).

    Two additions made here, to move into the pipeline if they hold up: a photo without a name borrows the text
    of its visual neighbours (the mean SBERT vector of the ``impute_neighbours`` nearest images, instead of a zero
    text block); and the closet's gender (``ml.gender.closet_gender`` over a probe trained on the image vectors of
    the items no query or wardrobe of the run uses) filters the pool, as recommender.closet_traits does on the
    site. ``usage_filter`` adds the usage the closet's auto-tags agree on (``ml.autotag.consensus``; not on the
    site: ml.ranking has no usage field).
    """

    name = "ours"

    def __init__(self, image: np.ndarray, text: np.ndarray, data: Dataset, settings: OursSettings) -> None:
        from ml.index import ExactIndex

        self.s = settings
        self.data = data
        self.image = image
        self.text = text
        w = settings.image_weight
        self.scales = (np.float32(math.sqrt(w)), np.float32(math.sqrt(1 - w)))
        self.x = self.combine(image, text)
        self.index = ExactIndex(np.arange(len(self.x)), self.x, model_version="eval")
        self._closets: dict = {}
        self.probe = None
        self.probe_s = 0.0
        self.closets_s = 0.0
        self.n_closets = 0

    def prepare(self, *, evaluation_items: np.ndarray, wardrobes: Sequence[Wardrobe] = ()) -> None:
        if self.s.tag_filter and self.s.gender_rule == "probe":
            from ml.gender import train_probe

            started = time.perf_counter()
            train = np.setdiff1d(np.arange(len(self.x)), evaluation_items)
            self.probe = train_probe(self._probe_input(self.x[train], self.image[train]), self.data.gender[train])
            self.probe_s = time.perf_counter() - started
        started = time.perf_counter()
        self._prepare_closets(wardrobes)
        self.closets_s = time.perf_counter() - started
        self.n_closets = 2 * len(wardrobes)

    def _prepare_closets(self, wardrobes: Sequence[Wardrobe]) -> None:
        """Every closet's vectors (named and photo-only), filter tags and profile, in batches: the same answers as
        one closet at a time (``_closet``), without reading the whole matrix once per closet."""
        from ml.ranking import build_profile

        if not wardrobes:
            return
        rows = np.concatenate([np.asarray(w.items, dtype=np.int64) for w in wardrobes])
        owner = np.repeat(np.arange(len(wardrobes)), [len(w.items) for w in wardrobes])
        groups = [np.asarray(w.items, dtype=np.int64) for w in wardrobes]
        photo = self.photo_vectors(rows, exclude_groups=[groups[o] for o in owner])
        for named, vectors in ((True, self.x[rows]), (False, photo)):
            tags = self._batch_tags(vectors, rows, [groups[o] for o in owner], owner, len(wardrobes))
            for j, w in enumerate(wardrobes):
                v = vectors[owner == j]
                profile = build_profile(normalise_rows(v), max_clusters=self.s.max_clusters)
                self._closets[(w.items, named)] = (v, tags[j] if self.s.tag_filter else {}, profile)

    def _probe_input(self, vectors: np.ndarray, image: np.ndarray) -> np.ndarray:
        return image if self.s.probe_features == "image" else vectors

    def combine(self, image: np.ndarray, text: np.ndarray) -> np.ndarray:
        return normalise_rows(np.concatenate([image * self.scales[0], text * self.scales[1]], axis=1))

    def photo_vectors(self, rows: Sequence[int], *, exclude: Sequence[int] = (),
                      exclude_groups: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """Item vectors for photos of ``rows`` with no name: text imputed from the nearest other images, never
        from ``exclude`` (or, per row, ``exclude_groups[i]``: the rest of that photo's closet)."""
        rows = np.asarray(rows)
        img = self.image[rows]
        if self.s.impute_neighbours <= 0 or self.s.image_weight >= 1:
            return self.combine(img, np.zeros((len(rows), self.text.shape[1]), dtype=np.float32))
        out = np.empty((len(rows), self.x.shape[1]), dtype=np.float32)
        for start in range(0, len(rows), self.chunk):
            part = rows[start : start + self.chunk]
            scores = img[start : start + len(part)] @ self.image.T
            scores[np.arange(len(part)), part] = -np.inf
            if len(exclude):
                scores[:, np.asarray(exclude)] = -np.inf
            if exclude_groups is not None:
                for i, group in enumerate(exclude_groups[start : start + len(part)]):
                    scores[i, group] = -np.inf
            near = _top_k(scores, self.s.impute_neighbours)
            out[start : start + len(part)] = self.combine(img[start : start + len(part)],
                                                          normalise_rows(self.text[near].mean(axis=1)))
        return out

    def similar(self, queries, *, k, rng):
        """``ml.ranking.similar_to`` per query; many queries go through the index in batches, with the same rule
        (the source and exact copies, cosine above SIMILAR_DUPLICATE, left out) and similar_to as the fallback."""
        from ml.ranking import similar_to

        idx = np.zeros((len(queries), k), dtype=np.int64)
        dist = np.ones((len(queries), k), dtype=np.float32)
        for start in range(0, len(queries), self.chunk):
            rows = queries[start : start + self.chunk]
            vectors = self.photo_vectors(rows)
            batch = self.index.query_batch(vectors, k * 3) if len(rows) > 1 else [None]
            for offset, (q, vector, neighbours) in enumerate(zip(rows, vectors, batch)):
                found = [(int(i), d * d / 2.0) for i, d in neighbours or []
                         if int(i) != int(q) and 1.0 - d * d / 2.0 <= SIMILAR_DUPLICATE][:k]
                if len(found) < k:
                    found = [(r.item_id, 1.0 - r.score) for r in similar_to(self.index, vector, source_id=int(q), k=k)]
                idx[start + offset, : len(found)] = [i for i, _ in found]
                dist[start + offset, : len(found)] = [max(0.0, d) for _, d in found]
        return idx, dist

    def closet_tags(self, vectors: np.ndarray, items: Sequence[int]) -> dict:
        """The genders the closet's filter admits (None: any) and the usage most of its garments suggest."""
        items = np.asarray(items, dtype=np.int64)
        return self._batch_tags(vectors, items, [items] * len(items), np.zeros(len(items), dtype=np.int64), 1)[0]

    def _batch_tags(self, vectors: np.ndarray, rows: np.ndarray, exclude_groups: Sequence[np.ndarray],
                    owner: np.ndarray, n_closets: int) -> list[dict]:
        """Closet tags of many closets at once: row i of ``vectors`` is photo ``rows[i]`` of closet ``owner[i]``,
        whose auto-tag neighbours leave out ``exclude_groups[i]`` (the closet's own items)."""
        if not self.s.tag_filter:
            return [{} for _ in range(n_closets)]
        suggestions: list[list[Suggestion]] = [[] for _ in range(n_closets)]
        for start in range(0, len(rows), self.chunk):
            scores = vectors[start : start + self.chunk] @ self.x.T
            for i, group in enumerate(exclude_groups[start : start + self.chunk]):
                scores[i, group] = -np.inf
            near = _top_k(scores, AUTOTAG_NEIGHBOURS)
            for i, row in enumerate(near):
                suggestions[owner[start + i]].append(
                    suggest_tags([self.data.labels(j) for j in row], np.maximum(1 - scores[i, row], 0),
                                 fields=("gender", "usage")))
        out = []
        for j in range(n_closets):
            usage = consensus(suggestions[j], "usage", min_share=USAGE_MIN_SHARE)
            if self.s.gender_rule == "probe":
                if self.probe is None:
                    raise RuntimeError("OursMethod.prepare() trains the gender probe before any recommendation")
                from ml.gender import closet_gender

                mine = owner == j
                call = closet_gender(self.probe, self._probe_input(vectors[mine], self.image[rows[mine]]))
                out.append({"genders": call.genders, "usage": usage, "call": call.hypothesis})
            else:
                gender = consensus(suggestions[j], "gender", min_share=GENDER_MIN_SHARE, ignore={"Unisex"})
                out.append({"genders": frozenset({gender, "Unisex"}) if gender else None, "usage": usage})
        return out

    def closet_calls(self) -> dict:
        """Share of the prepared closets per gender call (ml.gender hypotheses: a gender, a side, "unsure",
        "mixed"), named and photo-only: how often the filter plays safe with Unisex only."""
        out: dict = {}
        for named, label in ((True, "named"), (False, "photo_only")):
            calls = Counter(tags.get("call", "") for (_, n), (_, tags, _) in self._closets.items() if n == named)
            total = sum(calls.values())
            if total:
                out[label] = {c: v / total for c, v in sorted(calls.items())}
        return out

    def _item_table(self):
        """Usage (in the category slot) and gender of every item as ml.ranking.ItemTable columns, built once: the
        filters then cost a few array operations per candidate list, as on the site."""
        from ml.ranking import ItemTable

        if getattr(self, "_table", None) is None:
            n = len(self.data)
            self._table = ItemTable(np.arange(n), categories=list(self.data.usage), prices=[None] * n,
                                    sizes=[()] * n, genders=list(self.data.gender))
        return self._table

    def _closet(self, wardrobe: Wardrobe, named: bool) -> tuple[np.ndarray, dict, object]:
        """The closet's vectors, auto-tags and profile: what a site computes once per upload (and caches), not once
        per refresh. ``prepare`` computes them for the run's wardrobes in batches; any other is computed here."""
        from ml.ranking import build_profile

        key = (wardrobe.items, named)
        if key not in self._closets:
            items = list(wardrobe.items)
            vectors = self.x[items] if named else self.photo_vectors(items, exclude=items)
            tags = self.closet_tags(vectors, items) if self.s.tag_filter else {}
            profile = build_profile(normalise_rows(vectors), max_clusters=self.s.max_clusters)
            self._closets[key] = (vectors, tags, profile)
        return self._closets[key]

    def recommend(self, wardrobe, *, named, k, rng):
        from ml.ranking import Filters, recommend

        items = list(wardrobe.items)
        vectors, tags, profile = self._closet(wardrobe, named)
        filters, info = None, None
        if self.s.tag_filter:
            # ml.ranking filters on gender and category; the dataset's usage rides in the category slot here.
            usage = tags["usage"] if self.s.usage_filter else ""
            filters = Filters(genders=tags["genders"], categories=frozenset({usage}) if usage else None)
            info = self._item_table()
        found = recommend(self.index, items, vectors, k=k, item_info=info, filters=filters, sigma=self.s.sigma,
                          rng=rng, mmr_lambda=self.s.mmr_lambda, max_clusters=self.s.max_clusters,
                          exploration=self.s.exploration, profile=profile)
        return np.array([r.item_id for r in found], dtype=np.int64)


# ---------------------------------------------------------------------------------------------------------------
# Configurations and the run


@dataclass(frozen=True)
class ConfigSpec:
    name: str
    description: str
    build: Callable[[Dataset, PooledFeatures], Method]


def _ours_builder(**changes) -> Callable[[Dataset, PooledFeatures], Method]:
    def build(data: Dataset, features: PooledFeatures) -> Method:
        settings = OursSettings(**changes)
        return OursMethod(features.image(input_size=settings.input_size, pooling=settings.pooling), features.text(), data,
                          settings)

    return build


def config_specs(*, seed_input_size: int, ours_input_size: int | None = None) -> dict[str, ConfigSpec]:
    s = seed_input_size
    base = {"input_size": ours_input_size} if ours_input_size else {}
    d = OursSettings(**base)

    def _ours(**changes) -> Callable[[Dataset, PooledFeatures], Method]:
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
        ConfigSpec("ours-k1", "ours with one centroid (the wardrobe mean)", _ours(max_clusters=1)),
        ConfigSpec("ours-sigma0.05", "ours with ranking's default query noise 0.05", _ours(sigma=0.05)),
        ConfigSpec("ours-sigma0.2", "ours with query noise 0.2", _ours(sigma=0.2)),
        ConfigSpec("ours-sigma0.5", "ours with query noise 0.5", _ours(sigma=0.5)),
        ConfigSpec("ours-maxpool", "ours with global max pooling", _ours(pooling="max")),
        ConfigSpec("ours-128px", "ours at 128 px input", _ours(input_size=128)),
        ConfigSpec("ours-160px", "ours at 160 px input", _ours(input_size=160)),
    ]}


DEFAULT_CONFIGS = ("random", "seed-knn", "seed-closetspace", "ours")


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
                                                     "heldout_recall20", "distinct_articletypes", "refresh_overlap")}
    for w in wardrobes:
        start = time.perf_counter()
        first = [int(i) for i in method.recommend(w, named=named, k=K_RECOMMEND, rng=rng)]
        timings.append((time.perf_counter() - start) * 1000)
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
    return {k: metrics.mean(v) for k, v in rows.items()}


def evaluate_config(spec: ConfigSpec, data: Dataset, features: PooledFeatures, *, queries: np.ndarray,
                    wardrobes: Sequence[Wardrobe], seed: int, timing_queries: int = 100) -> dict:
    started = time.perf_counter()
    method = spec.build(data, features)
    evaluation_items = np.unique(np.concatenate(
        [np.asarray(queries, dtype=np.int64)]
        + [np.asarray(w.items + w.heldout, dtype=np.int64) for w in wardrobes]))
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
    calls = method.closet_calls() if hasattr(method, "closet_calls") else {}
    return {
        "description": spec.description,
        **({"closet_gender_calls": calls} if calls else {}),
        "find_similar": find_similar,
        "wardrobe_named": named,
        "wardrobe_photo_only": photo,
        "autotag": autotag,
        "cost": {
            "build_s": build_s,
            "probe_s": getattr(method, "probe_s", 0.0),
            "closet_ms": (1000 * method.closets_s / method.n_closets) if getattr(method, "n_closets", 0) else None,
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
    result = {"dataset": {**data.describe(), "queries": len(queries), "wardrobes": len(wardrobes),
                          "personas": [f"{g}/{u}" for g, u in personas(data, min_items=min_persona_items)]},
              "seed": seed, "configs": {}}
    for name in configs:
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        result["configs"][name] = evaluate_config(specs[name], data, features, queries=queries,
                                                  wardrobes=wardrobes, seed=seed)
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


# ---------------------------------------------------------------------------------------------------------------
# Output


TABLE_COLUMNS = [
    ("find_similar", "p10_articletype", "FS P@10 type"),
    ("find_similar", "p10_articletype_colour", "FS P@10 type+colour"),
    ("find_similar", "map10_articletype", "FS mAP@10"),
    ("wardrobe_photo_only", "persona_precision", "WP persona"),
    ("wardrobe_photo_only", "palette_precision", "WP palette"),
    ("wardrobe_photo_only", "gender_violations", "WP gender viol."),
    ("wardrobe_photo_only", "heldout_recall20", "WP recall@20"),
    ("wardrobe_photo_only", "distinct_articletypes", "WP types"),
    ("wardrobe_photo_only", "refresh_overlap", "WP refresh overlap"),
    ("wardrobe_named", "persona_precision", "WN persona"),
    ("wardrobe_named", "palette_precision", "WN palette"),
    ("wardrobe_named", "gender_violations", "WN gender viol."),
    ("wardrobe_named", "heldout_recall20", "WN recall@20"),
    ("wardrobe_named", "refresh_overlap", "WN refresh overlap"),
    ("autotag", "articletype_top1", "tag type top-1"),
    ("autotag", "colour_top1", "tag colour top-1"),
    ("cost", "embed_s_per_1000", "embed s/1k"),
    ("cost", "similar_query_ms_p50", "FS ms p50"),
    ("cost", "similar_query_ms_p99", "FS ms p99"),
    ("cost", "recommend_ms_p50", "rec ms p50"),
    ("cost", "recommend_ms_p99", "rec ms p99"),
    ("cost", "closet_ms", "closet ms"),
]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return f"{value['mean']:.3f} ± {value['std']:.3f}"
    return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"


def markdown_table(configs: dict) -> str:
    """Configurations as columns, metrics as rows (20 metrics do not fit across a page)."""
    names = list(configs)
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for section, key, label in TABLE_COLUMNS:
        cells = [_fmt(configs[n].get(section, {}).get(key)) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def aggregate(runs: Sequence[dict]) -> dict:
    """Per config and metric: mean, std, min, max over the seeds' runs."""
    out: dict = {}
    for name in runs[0]["configs"]:
        out[name] = {}
        for section, values in runs[0]["configs"][name].items():
            if not isinstance(values, dict):
                continue
            out[name][section] = {}
            for key in values:
                series = [r["configs"][name][section][key] for r in runs]
                if all(isinstance(v, (int, float)) for v in series):
                    out[name][section][key] = metrics.spread([float(v) for v in series])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="styles-format dataset folder (items.csv + images/)")
    parser.add_argument("--out", default="var/eval.json", help="JSON file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", default="", help="comma-separated seeds: run each and report the spread")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--wardrobes", type=int, default=500)
    parser.add_argument("--configs", default=",".join(DEFAULT_CONFIGS))
    parser.add_argument("--min-persona-items", type=int, default=60)
    parser.add_argument("--input-size", type=int, default=OursSettings.input_size,
                        help="CNN input size in pixels of every configuration (the references used 224; see docs)")
    parser.add_argument("--cache", default="var/embeddings", help="embedding cache folder")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()] or [args.seed]
    except ValueError:
        parser.error(f"--seeds must be comma-separated integers, got {args.seeds!r}")
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    started = time.perf_counter()
    data = load_dataset(args.data)
    features = PooledFeatures(data, cache=EmbeddingCache(Path(args.cache)), device=args.device)
    runs, tables = [], []
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        runs.append(run(data, features, configs=configs, seed=seed, n_queries=args.queries,
                        n_wardrobes=args.wardrobes, min_persona_items=args.min_persona_items,
                        seed_input_size=args.input_size, ours_input_size=args.input_size))
        tables.append(f"seed {seed}\n\n" + markdown_table(runs[-1]["configs"]))
        print("\n" + tables[-1], flush=True)
        result = dict(runs[0])
        result["input_size"] = args.input_size
        result["machine"] = {"platform": platform.platform(), "python": platform.python_version(),
                             "cpus": os.cpu_count(), "load_avg_at_end": os.getloadavg()}
        result["total_s"] = time.perf_counter() - started
        if len(runs) > 1:
            result["seeds"] = seeds[: len(runs)]
            result["runs"] = runs
            result["spread"] = aggregate(runs)
        out.write_text(json.dumps(result, indent=2, default=float))  # after every seed: a long run keeps its part
    if len(runs) > 1:
        tables.append(f"mean ± std over seeds {seeds}\n\n" + markdown_table(result["spread"]))
        print("\n" + tables[-1], flush=True)
    out.with_suffix(".md").write_text("\n\n".join(tables) + "\n")
    print(f"\nwrote {out} and {out.with_suffix('.md')} in {result['total_s']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
