"""How a ranked candidate pool becomes a list: maximal marginal relevance, each centroid's share of the slots, and
which owned garment each card names as its reason. ``queries.recommend`` calls these in that order.

MMR greedily maximises ``lambda * rel - (1 - lambda) * max cos to the picked``; with slots (``slot_quotas``: in
proportion to the profile's weights, at least one each) each next pick goes to the centroid furthest behind its
quota (``mmr_by_quota``); ``credit_owned`` names the nearest owned item that has not been named ``cap`` times.
"""
from __future__ import annotations

import numpy as np


def mmr(relevance: np.ndarray, vectors: np.ndarray, k: int, *, mmr_lambda: float) -> list[int]:
    """Greedy maximal marginal relevance: positions maximising ``lambda * rel - (1 - lambda) * max sim to picked``."""
    n = len(relevance)
    if n == 0 or k <= 0:
        return []
    sims = vectors @ vectors.T
    picked: list[int] = [int(np.argmax(relevance))]
    closest = sims[picked[0]].copy()
    available = np.ones(n, dtype=bool)
    available[picked[0]] = False
    while len(picked) < min(k, n):
        gain = mmr_lambda * relevance - (1 - mmr_lambda) * closest
        gain[~available] = -np.inf
        j = int(np.argmax(gain))
        picked.append(j)
        available[j] = False
        closest = np.maximum(closest, sims[j])
    return picked


def slot_quotas(weights: np.ndarray, k: int, *, floor: int = 1) -> np.ndarray:
    """Slots per centroid for a list of ``k``: in proportion to ``weights`` (largest remainder), then each centroid
    below ``floor`` is raised to it (the larger ones first) with slots taken from the largest quota, while one is
    above the floor. One centroid gets all ``k``."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    n = len(w)
    if n == 0 or k <= 0:
        return np.zeros(n, dtype=np.int64)
    if w.sum() <= 0:
        w = np.ones(n)
    share = w / w.sum() * k
    quotas = np.floor(share).astype(np.int64)
    for j in np.argsort(-(share - quotas), kind="stable")[: k - int(quotas.sum())]:
        quotas[j] += 1
    for j in np.argsort(-w, kind="stable"):
        while quotas[j] < floor:
            donor = int(np.argmax(quotas))
            if quotas[donor] <= floor:
                return quotas
            quotas[donor] -= 1
            quotas[j] += 1
    return quotas


def mmr_by_quota(relevance: np.ndarray, vectors: np.ndarray, clusters: np.ndarray, quotas: np.ndarray, *,
                 mmr_lambda: float) -> list[int]:
    """Maximal marginal relevance with a quota per cluster: each next pick goes to the cluster furthest behind its
    quota (ties: the larger quota), choosing that cluster's best gain; diversity counts against every pick so far.
    A cluster that runs out of candidates leaves its slots to the others. One cluster is plain :func:`mmr`."""
    n = len(relevance)
    total = min(int(np.sum(quotas)), n)
    if n == 0 or total <= 0:
        return []
    sims = vectors @ vectors.T
    closest = np.zeros(n, dtype=np.float64)
    available = np.ones(n, dtype=bool)
    taken = np.zeros(len(quotas), dtype=np.int64)
    picked: list[int] = []
    while len(picked) < total:
        open_ = [c for c in range(len(quotas))
                 if taken[c] < quotas[c] and bool(np.any(available & (clusters == c)))]
        if open_:
            c = min(open_, key=lambda j: (taken[j] / quotas[j], -quotas[j], j))
            pool = available & (clusters == c)
        else:
            pool = available
        gain = mmr_lambda * relevance - (1 - mmr_lambda) * closest if picked else relevance.astype(np.float64)
        gain = np.where(pool, gain, -np.inf)
        j = int(np.argmax(gain))
        picked.append(j)
        available[j] = False
        taken[clusters[j]] += 1
        closest = np.maximum(closest, sims[j])
    return picked


def credit_owned(similarity: np.ndarray, *, cap: int) -> np.ndarray:
    """For each chosen item (rows of ``similarity``, its cosine to each owned item, in list order) the owned item
    named as its reason: the nearest one that has not yet been named ``cap`` times, so one garment cannot explain
    most of the list ("15 of 24 cards credit the same pink jacket"). When every owned item is full (a closet
    smaller than ``len / cap``) the nearest one is named regardless."""
    n, m = similarity.shape
    out = np.zeros(n, dtype=np.int64)
    if m == 0:
        return out
    counts = np.zeros(m, dtype=np.int64)
    for row in range(n):
        ranked = np.argsort(-similarity[row], kind="stable")
        free = ranked[counts[ranked] < cap]
        j = int(free[0]) if len(free) else int(ranked[0])
        out[row] = j
        counts[j] += 1
    return out
