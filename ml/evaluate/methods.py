"""The reference methods (random, cosine kNN, the main reference's noisy euclidean search) and their interface.

Every method answers the same two questions on the same samples; ``ours`` (ml/evaluate/ours.py) is the product.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ml.evaluate.data import Wardrobe
from ml.vectors import unit_rows


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column positions of the ``k`` highest scores of each row, best first (-inf marks excluded columns)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _exclude_own(scores: np.ndarray, own: np.ndarray | None) -> None:
    """-inf on each row's own item (a query photo of an inventory item never finds that item), when it has one."""
    if own is not None:
        scores[np.arange(len(scores)), own] = -np.inf


def _own_part(own: np.ndarray | None, start: int, size: int) -> np.ndarray | None:
    return None if own is None else np.asarray(own[start : start + size], dtype=np.int64)


class Method:
    """``similar``: neighbours of photo-only queries among all other items; ``similar_to_vectors`` the same for
    image vectors that need not be inventory rows (a home photo of an item: ``own`` names the item each row must not
    find, None: nothing excluded). ``recommend``: top ``k`` of the pool (every item not in the wardrobe) for a
    wardrobe, with names or photo-only (``photos``: the closet's own image vectors, as ``query_images`` gives them,
    when they are not the catalogue's, e.g. home photos); ``rng`` draws the noise."""

    name = "method"
    chunk = 256
    # Costs a method may report (``ours``: its gender probe and its closets' preparation); zero when it has none.
    probe_s = 0.0
    closets_s = 0.0
    n_closets = 0

    def query_images(self, queries: np.ndarray) -> np.ndarray:
        """The image vectors ``similar_to_vectors`` reads for catalogue photos of items ``queries``."""
        raise NotImplementedError

    def similar(self, queries: np.ndarray, *, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(queries, dtype=np.int64)
        return self.similar_to_vectors(self.query_images(queries), k=k, rng=rng, own=queries)

    def similar_to_vectors(self, images: np.ndarray, *, k: int, rng: np.random.Generator,
                           own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                  photos: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def recommend_with_reasons(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                               photos: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """``recommend`` and, per item, the wardrobe item its card names as the reason ("because you own ...");
        None for a method whose cards name none."""
        return self.recommend(wardrobe, named=named, k=k, rng=rng, photos=photos), None

    def prepare(self, *, evaluation_items: np.ndarray, wardrobes: Sequence[Wardrobe] = ()) -> None:
        """Called once before scoring with every query, wardrobe and held-out item of the run (a method that
        learns from labels, ``ours``' gender probe, must not learn from these) and the wardrobes to come (a method
        may prepare each closet once, as a site does once per upload, rather than once per refresh)."""

    def closet_calls(self) -> dict[str, dict[str, float]]:
        """Share of the prepared closets per closet-gender call, named, photo-only and photo-only from home photos
        (none: no such filter)."""
        return {}


class RandomMethod(Method):
    """The floor: items drawn uniformly from the pool."""

    name = "random"

    def __init__(self, n_items: int) -> None:
        self.n = n_items

    def query_images(self, queries: np.ndarray) -> np.ndarray:
        return np.zeros((len(queries), 0), dtype=np.float32)  # it reads no pixels

    def similar_to_vectors(self, images: np.ndarray, *, k: int, rng: np.random.Generator,
                           own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        picks = np.empty((len(images), k), dtype=np.int64)
        for row in range(len(images)):
            if own is None:
                draw = rng.choice(self.n, size=min(k, self.n), replace=False)
            else:
                draw = rng.choice(self.n - 1, size=min(k, self.n - 1), replace=False)
                draw = np.where(draw >= own[row], draw + 1, draw)
            picks[row, : len(draw)] = draw
        return picks, np.ones(picks.shape, dtype=np.float32)

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                  photos: np.ndarray | None = None) -> np.ndarray:
        pool = np.setdiff1d(np.arange(self.n), wardrobe.items)
        return rng.choice(pool, size=min(k, len(pool)), replace=False)


class CosineKnnMethod(Method):
    """The simpler references: one unit image vector per item, exact cosine kNN, the wardrobe's mean as query."""

    name = "seed-knn"

    def __init__(self, image: np.ndarray) -> None:
        self.x = image

    def query_images(self, queries: np.ndarray) -> np.ndarray:
        return self.x[queries]

    def similar_to_vectors(self, images: np.ndarray, *, k: int, rng: np.random.Generator,
                           own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        idx, dist = [], []
        for start in range(0, len(images), self.chunk):
            scores = images[start : start + self.chunk] @ self.x.T
            _exclude_own(scores, _own_part(own, start, self.chunk))
            top = top_k(scores, k)
            idx.append(top)
            dist.append(np.maximum(1 - np.take_along_axis(scores, top, axis=1), 0))
        return np.concatenate(idx), np.concatenate(dist)

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                  photos: np.ndarray | None = None) -> np.ndarray:
        closet = self.x[list(wardrobe.items)] if photos is None else photos
        query = unit_rows(closet.mean(axis=0, keepdims=True))
        scores = query @ self.x.T
        scores[0, list(wardrobe.items)] = -np.inf
        return top_k(scores, k)[0]


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

    def query_images(self, queries: np.ndarray) -> np.ndarray:
        return self.image[queries]

    def similar_to_vectors(self, images: np.ndarray, *, k: int, rng: np.random.Generator,
                           own: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        idx, dist = [], []
        for start in range(0, len(images), self.chunk):
            part = images[start : start + self.chunk]
            q = np.concatenate([part, np.zeros((len(part), self.text.shape[1]), dtype=part.dtype)], axis=1)
            scores = self._noisy_scores(q, rng)
            _exclude_own(scores, _own_part(own, start, self.chunk))
            top = top_k(scores, k)
            idx.append(top)
            dist.append(np.sqrt(np.maximum(-np.take_along_axis(scores, top, axis=1), 0)))
        return np.concatenate(idx), np.concatenate(dist)

    def recommend(self, wardrobe: Wardrobe, *, named: bool, k: int, rng: np.random.Generator,
                  photos: np.ndarray | None = None) -> np.ndarray:
        items = list(wardrobe.items)
        image = self.image[items] if photos is None else photos
        text = self.text[items] if named else np.zeros_like(self.text[items])
        q = np.concatenate([image, text], axis=1).mean(axis=0, keepdims=True)
        scores = self._noisy_scores(q, rng)
        scores[0, items] = -np.inf
        return top_k(scores, k)[0]
