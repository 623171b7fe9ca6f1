"""Tag suggestions for a new photo from the labels of its nearest labelled neighbours (kNN voting).

The closet upload form pre-fills article type, colour and the like from ``suggest_tags``; the evaluation scores its
top-1 accuracy; the recommender can read a closet's gender from the suggestions of its garments
(``consensus``). Pure: the caller finds the neighbours (any index) and passes their labels and distances.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

DEFAULT_FIELDS = ("article_type", "base_colour", "gender", "usage")


@dataclass(frozen=True)
class TagGuess:
    """The winning value of one field, its weighted vote share (0..1], and every value's share."""

    value: str
    confidence: float
    shares: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """Guesses per field; a field no neighbour had a label for is absent."""

    tags: Mapping[str, TagGuess]

    def value(self, name: str, default: str = "") -> str:
        guess = self.tags.get(name)
        return guess.value if guess else default

    def confidence(self, name: str) -> float:
        guess = self.tags.get(name)
        return guess.confidence if guess else 0.0


def neighbour_weight(distance: float, *, eps: float = 1e-3) -> float:
    """Closer neighbours count more: weight 1/(eps + distance), so an exact duplicate dominates but never divides by 0."""
    if distance < 0:
        raise ValueError(f"distances must be non-negative, got {distance}")
    return 1.0 / (eps + distance)


def suggest_tags(
    neighbour_labels: Sequence[Mapping[str, str]],
    distances: Sequence[float],
    *,
    fields: Sequence[str] | None = None,
) -> Suggestion:
    """Weighted vote of the neighbours' labels for each field.

    ``neighbour_labels[i]`` maps field names to the i-th neighbour's labels (empty string: unknown, casts no vote);
    ``distances[i]`` is its distance to the photo (cosine distance or euclidean, smaller is closer). ``fields``
    defaults to every field any neighbour has. Ties go to the value whose best voter is closest.
    """
    if len(neighbour_labels) != len(distances):
        raise ValueError(f"{len(neighbour_labels)} labels but {len(distances)} distances")
    names = list(fields) if fields is not None else sorted({k for labels in neighbour_labels for k in labels})
    tags: dict[str, TagGuess] = {}
    for name in names:
        votes: dict[str, float] = defaultdict(float)
        best_rank: dict[str, int] = {}
        for rank, (labels, distance) in enumerate(zip(neighbour_labels, distances)):
            value = labels.get(name, "")
            if not value:
                continue
            votes[value] += neighbour_weight(float(distance))
            best_rank.setdefault(value, rank)
        if not votes:
            continue
        total = sum(votes.values())
        winner = min(votes, key=lambda v: (-votes[v], best_rank[v]))
        tags[name] = TagGuess(
            value=winner,
            confidence=votes[winner] / total,
            shares={v: w / total for v, w in sorted(votes.items(), key=lambda kv: -kv[1])},
        )
    return Suggestion(tags=tags)


def consensus(
    suggestions: Sequence[Suggestion], name: str, *, min_share: float = 0.6, ignore: Collection[str] = ()
) -> str:
    """The value of ``name`` that most of a closet's garments suggest (confidence-weighted), or "" when no value
    holds ``min_share`` of the weight: a closet that mixes genders gets no gender filter. Votes for a value in
    ``ignore`` are not counted (a "Unisex" watch says nothing about whose closet it is in).
    """
    weight: dict[str, float] = defaultdict(float)
    for suggestion in suggestions:
        guess = suggestion.tags.get(name)
        if guess:
            for value, s in guess.shares.items():
                if value not in ignore:
                    weight[value] += s
    total = sum(weight.values())
    if total <= 0:
        return ""
    winner = max(weight, key=lambda v: weight[v])
    return winner if weight[winner] / total >= min_share else ""
