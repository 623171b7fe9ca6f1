"""Ranking and recommendation metrics: pure functions over plain sequences.

Each function scores one query (one ranked list); the harness in ``ml/evaluate/`` averages them. Conventions:
a ranked list is best-first; ``k`` truncates it; a list shorter than ``k`` is scored as if padded with misses, so
a method cannot look better by returning fewer items.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def precision_at_k(relevant: Sequence[bool], *, k: int) -> float:
    """Share of the first ``k`` positions that hold a relevant item (missing positions count as misses)."""
    _check_k(k)
    return sum(1 for r in list(relevant)[:k] if r) / k


def average_precision_at_k(relevant: Sequence[bool], *, k: int, n_relevant: int | None = None) -> float:
    """AP@k: the mean of precision@i over the positions i <= k that hold a relevant item.

    The sum is divided by ``min(k, n_relevant)`` where ``n_relevant`` is how many relevant items exist in the
    whole corpus (so missing a findable item costs); without it, by the number of hits in the top k. A query
    with nothing relevant to find scores 0.
    """
    _check_k(k)
    hits = 0
    total = 0.0
    for i, r in enumerate(list(relevant)[:k], start=1):
        if r:
            hits += 1
            total += hits / i
    denominator = min(k, n_relevant) if n_relevant is not None else hits
    if denominator <= 0:
        return 0.0
    return total / denominator


def recall_at_k(ranked: Sequence[Hashable], relevant: Iterable[Hashable], *, k: int) -> float:
    """Share of the ``relevant`` items found in the first ``k`` of ``ranked``. Nothing to find scores 0."""
    _check_k(k)
    wanted = set(relevant)
    if not wanted:
        return 0.0
    return len(wanted.intersection(list(ranked)[:k])) / len(wanted)


def jaccard(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """|a & b| / |a | b| of two lists taken as sets; two empty lists are identical (1.0)."""
    sa, sb = set(a), set(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


def share(flags: Sequence[bool]) -> float:
    """Share of true flags; an empty list scores 0 (nothing recommended is nothing right)."""
    return sum(1 for f in flags if f) / len(flags) if flags else 0.0


def gender_matches(item_gender: str, wanted_gender: str) -> bool:
    """An item fits a person of ``wanted_gender`` when it is made for that gender or is Unisex."""
    return item_gender == wanted_gender or item_gender == "Unisex"


def gender_violates(item_gender: str, wanted_gender: str) -> bool:
    """An item violates when it is made only for another gender (Unisex and unknown never violate).

    Boys and Girls count as Men and Women: a kids' item of the other sex is still the wrong gender.
    """
    if not item_gender or item_gender == "Unisex":
        return False
    return _adult(item_gender) != _adult(wanted_gender)


def _adult(gender: str) -> str:
    return {"Boys": "Men", "Girls": "Women"}.get(gender, gender)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation between order statistics, like numpy's default."""
    if not values:
        raise ValueError("percentile of an empty list")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def mean(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)


def spread(values: Sequence[float]) -> dict[str, float]:
    """Mean, sample standard deviation and range of one metric over several seeds."""
    m = mean(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return {"mean": m, "std": sd, "min": min(values), "max": max(values)}
