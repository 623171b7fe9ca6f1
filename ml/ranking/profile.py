"""A wardrobe's profile: the query vectors a recommendation starts from, and the noise that varies them.

``build_profile`` takes the mean of the unit owned vectors, or k centroids by seeded k-means (Lloyd's algorithm,
k-means++ seeding: each next seed drawn with probability proportional to its squared distance to the nearest seed
so far, best inertia of ``n_init`` runs) when the closet spans several styles. k is chosen by the mean silhouette
``(b - a) / max(a, b)`` (a: mean distance to the own cluster, b: to the nearest other one) over k = 2..min(max_clusters,
n // 3), and kept at 1 unless the best silhouette clears ``min_silhouette``. Liked vectors pull every centroid toward
their mean and disliked ones push it away: ``c + alpha * mean(liked) - beta * mean(disliked)``, renormalised.

With ``groups`` (a label per owned item, such as its category) naming two or more groups, each group gets a
centroid of its own (its mean), so every part of the closet queries for itself instead of the largest style
swallowing the rest; ``weights`` are then the groups' shares, which ``queries.recommend`` turns into slots.

``add_noise`` adds Gaussian noise of per-dimension standard deviation ``sigma / sqrt(d)``, so ``sigma`` is the
expected norm of the noise and means the same at any dimension; a seeded generator reproduces a list exactly.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.vectors import normalise


@dataclass(frozen=True)
class Profile:
    centroids: np.ndarray  # (k, d) unit rows: the query vectors before noise
    labels: np.ndarray  # (n_owned,) cluster of each owned item
    weights: np.ndarray  # (k,) share of the owned items in each cluster
    silhouette: float | None = None  # of the chosen clustering; None when k = 1
    groups: tuple[str, ...] = ()  # the group each centroid stands for, when built from groups

    @property
    def k(self) -> int:
        return len(self.centroids)


# --- k-means --------------------------------------------------------------------------------------------------


def kmeans(
    x: np.ndarray, k: int, *, rng: np.random.Generator, n_init: int = 4, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding; best of ``n_init`` runs. Returns (centroids, labels, inertia)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}; got {k}")
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    sq = (x * x).sum(axis=1)
    for _ in range(n_init):
        centres = _kmeans_pp(x, k, rng)
        labels = np.full(n, -1)
        for _ in range(max_iter):
            d2 = sq[:, None] - 2 * x @ centres.T + (centres * centres).sum(axis=1)[None, :]
            new = d2.argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = x[labels == j]
                centres[j] = members.mean(axis=0) if len(members) else x[rng.integers(n)]
        inertia = float(np.maximum(d2[np.arange(n), labels], 0).sum())
        if best is None or inertia < best[2]:
            best = (centres.copy(), labels.copy(), inertia)
    assert best is not None
    return best


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [x[rng.integers(len(x))]]
    d2 = ((x - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = rng.choice(len(x), p=d2 / total) if total > 0 else rng.integers(len(x))
        centres.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centres)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient with euclidean distance (on unit vectors, a monotone function of cosine)."""
    x = np.asarray(x, dtype=np.float64)
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return 0.0
    sq = (x * x).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] - 2 * x @ x.T + sq[None, :], 0))
    scores = np.zeros(len(x))
    for i in range(len(x)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue  # a singleton's silhouette is 0 by convention
        a = dist[i, own].sum() / (own.sum() - 1)
        b = min(dist[i, labels == c].mean() for c in clusters if c != labels[i])
        scores[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return float(scores.mean())


def build_profile(
    owned_vectors: np.ndarray,
    *,
    liked_vectors: np.ndarray | None = None,
    disliked_vectors: np.ndarray | None = None,
    like_weight: float = 0.5,
    dislike_weight: float = 0.5,
    max_clusters: int = 5,
    min_silhouette: float = 0.2,
    seed: int = 0,
    groups: Sequence[str] | None = None,
) -> Profile:
    """The wardrobe's centroids (see the module docstring). With no owned items, the liked items stand in.

    Clustering is seeded separately from the query noise, so a refresh keeps the same profile and only the noise
    differs. ``groups``, aligned with ``owned_vectors``: a centroid per group when there are two or more (see the
    module docstring). Raises ValueError when there is nothing to build from.
    """
    owned = _rows(owned_vectors)
    liked = _rows(liked_vectors)
    disliked = _rows(disliked_vectors)
    base = owned if len(owned) else liked
    if not len(base):
        raise ValueError("a profile needs at least one owned or liked vector")
    base = normalise(base)
    centroids, labels, score = normalise(base.mean(axis=0, keepdims=True)), np.zeros(len(base), dtype=int), None
    names: tuple[str, ...] = ()
    if groups is not None and len(owned):
        if len(groups) != len(owned):
            raise ValueError(f"{len(groups)} group labels for {len(owned)} owned vectors")
        names = tuple(dict.fromkeys(str(g) for g in groups))  # in order of first appearance
    top_k = min(max_clusters, len(base) // 3)
    if len(names) >= 2:
        labels = np.array([names.index(str(g)) for g in groups or ()], dtype=int)
        centroids = normalise(np.stack([base[labels == j].mean(axis=0) for j in range(len(names))]))
    elif top_k >= 2:
        rng = np.random.default_rng(seed)
        tries = {k: kmeans(base, k, rng=rng) for k in range(2, top_k + 1)}
        scored = {k: silhouette(base, labels_k) for k, (_, labels_k, _) in tries.items()}
        best_k = max(scored, key=lambda k: (scored[k], -k))
        if scored[best_k] >= min_silhouette:
            centres, labels, _ = tries[best_k]
            centroids, score = normalise(centres), scored[best_k]
    if len(liked) and len(owned):
        centroids = centroids + like_weight * normalise(liked).mean(axis=0)
    if len(disliked):
        centroids = centroids - dislike_weight * normalise(disliked).mean(axis=0)
    weights = np.bincount(labels, minlength=len(centroids)) / len(labels)
    return Profile(centroids=normalise(centroids), labels=labels, weights=weights, silhouette=score,
                   groups=names if len(names) >= 2 else ())


def _rows(vectors: np.ndarray | Sequence | None) -> np.ndarray:
    if vectors is None:
        return np.zeros((0, 0), dtype=np.float32)
    arr = np.asarray(vectors, dtype=np.float32)
    return arr.reshape(0, 0) if arr.size == 0 else np.atleast_2d(arr)


def add_noise(vectors: np.ndarray, *, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Unit rows plus Gaussian noise of expected norm ``sigma``, renormalised."""
    vectors = np.atleast_2d(vectors)
    if sigma <= 0:
        return normalise(vectors)
    noise = rng.normal(0.0, sigma / np.sqrt(vectors.shape[1]), size=vectors.shape).astype(np.float32)
    return normalise(vectors + noise)
