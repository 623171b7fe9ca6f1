"""The site's colour suggestion: the one place that turns the neighbours' colour vote and the colour model's reading
of the garment's own pixels into one colour and one confidence.

Two opinions. The vote (``recommender.autotag``: the colours of the photo's nearest shop items, weighted by
closeness) mixes the garment's colour with its shape and background; the colour model (``ml.colour`` +
``ml.colour_model``) reads the pixels under the garment's mask and names a baseColour with a probability, which is
mapped to the site's colours here (``wardrobe.taxonomy`` owns that vocabulary; the probabilities of the baseColours
that share a site colour are added: "Navy Blue" and "Blue" stay apart, "Charcoal" and "Grey" do not).

The rule (``combine``), chosen with ``bench/upload_tags.py --photo-only --colour`` on the mini set over the other
rules that bench scores (docs/evaluation.md, "Tags at upload"): the colour is the model's whenever it has one (top-1
0.54 against the vote's 0.32); its confidence is the model's when the vote agrees, and the model's times one less
the vote's when the vote names another colour, so a disagreement is offered rather than applied. Raising the
confidence when the two agree (``1 - (1 - a)(1 - b)``) applied more colours but fewer of them right (75% at
``APPLY_AT`` against 92%): the vote's share is not a probability (a colour most shop items of a type share wins it
whatever this garment's is), so agreeing with it says less than its number. Without the model, the vote alone.

The model runs in the embedding job only (``model_opinion``, on the mask the job already made), never in a request:
its opinion is stored on the garment (``Garment.colour_model_guess``) and the edit form's suggestions combine it
with a fresh vote. No Django here: the benchmark calls the same functions.
"""
from __future__ import annotations

import functools
import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from wardrobe import taxonomy

if TYPE_CHECKING:
    from ml.colour_model import ColourClassifier

logger = logging.getLogger(__name__)


class Guess(Protocol):
    value: str
    confidence: float


@dataclass(frozen=True)
class ColourOpinion:
    """A site colour (one of ``taxonomy.COLOURS``) and how sure its source is of it (0..1]."""

    value: str
    confidence: float


@functools.lru_cache(maxsize=2)
def _classifier(path: str) -> ColourClassifier:
    """The classifier at ``path``, loaded once per process (a failed load is not cached: the next job tries again)."""
    from ml.colour_model import load_classifier  # only the embedding job and the benchmark pay for the import

    return load_classifier(path)


def site_colour_shares(classes: tuple[str, ...], proba: np.ndarray) -> dict[str, float]:
    """The model's baseColour probabilities added up per site colour (baseColours naming no site colour dropped)."""
    shares: dict[str, float] = defaultdict(float)
    for name, p in zip(classes, np.asarray(proba, dtype=np.float64)):
        colour = taxonomy.colour_for(name)
        if colour:
            shares[colour] += float(p)
    return dict(shares)


def model_opinion(rgb: np.ndarray, mask: np.ndarray, *, weights: Path | str) -> ColourOpinion | None:
    """The colour model's site colour for the garment under ``mask`` in ``rgb`` (uint8 HxWx3), or None when it
    cannot say: its weights file is missing or unreadable, or anything else fails. Never raises: the colour
    suggestion falls back to the vote, and the garment is embedded whatever happens here."""
    try:
        from ml.colour import describe

        classifier = _classifier(str(weights))
        shares = site_colour_shares(classifier.classes, classifier.proba(describe(rgb, mask, correction=classifier.correction))[0])
    except FileNotFoundError as exc:  # ml.colour_model.ColourWeightsMissing: its message says how to make the file
        logger.warning("colour model unavailable, the colour suggestion is the vote alone: %s", exc)
        return None
    except Exception:  # noqa: BLE001 - see the docstring: a convenience, never a reason to fail the embedding
        logger.warning("colour model unavailable (weights %s); the colour suggestion is the vote alone", weights,
                       exc_info=True)
        return None
    if not shares:
        return None
    value = max(shares, key=lambda c: shares[c])
    return ColourOpinion(value=value, confidence=round(shares[value], 3))


def combine(vote: Guess | None, model: Guess | None) -> ColourOpinion | None:
    """The site's colour suggestion from the vote and the model's opinion (either may be None); see the module
    docstring for the rule and the measurement behind it."""
    if model is None or model.value not in taxonomy.COLOURS:
        return None if vote is None else ColourOpinion(vote.value, float(vote.confidence))
    if vote is None or vote.value == model.value:
        return ColourOpinion(model.value, float(model.confidence))
    return ColourOpinion(model.value, round(float(model.confidence) * (1.0 - float(vote.confidence)), 3))


def opinion_from_json(data: object) -> ColourOpinion | None:
    """A stored opinion (``Garment.colour_model_guess``) back as an opinion; None for anything unusable."""
    if not isinstance(data, dict) or data.get("value") not in taxonomy.COLOURS:
        return None
    try:
        return ColourOpinion(str(data["value"]), float(data.get("confidence", 0.0)))
    except (TypeError, ValueError):
        return None


def opinion_to_json(opinion: ColourOpinion | None) -> dict[str, object]:
    return {} if opinion is None else {"value": opinion.value, "confidence": opinion.confidence}
