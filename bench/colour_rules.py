"""The colour half of bench/upload_tags.py (``--colour``): how often the site's colour suggestion is right, and how
often an applied one is, for the neighbours' vote alone, the colour model alone, ``wardrobe.colour_suggestion.
combine`` and the other rules it was chosen over (docs/evaluation.md, "Tags at upload"). No database, no Django."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ml.data import StyleItem, split_of
from ml.images import load_image
from ml.masks import foreground
from wardrobe.colour_suggestion import ColourOpinion, Guess, combine, model_opinion

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)  # 0.7: wardrobe.upload_tags.APPLY_AT (that module needs Django)
Rule = Callable[["Guess | None", "Guess | None"], "Guess | None"]


def _as(guess: Guess | None) -> ColourOpinion | None:
    return None if guess is None else ColourOpinion(guess.value, float(guess.confidence))


def _model_when_sure(at: float) -> Rule:
    return lambda vote, model: _as(model) if model is not None and model.confidence >= at else _as(vote)


def _surer(vote: Guess | None, model: Guess | None) -> Guess | None:
    candidates = [g for g in (vote, model) if g is not None]
    return _as(max(candidates, key=lambda g: g.confidence)) if candidates else None


def _boosted(*, boost: float, penalty: float) -> Rule:
    """The model's colour; its confidence raised by ``boost`` x the vote's when the vote agrees
    (``1 - (1 - m)(1 - boost v)``), lowered to ``m (1 - penalty v)`` when the vote names another colour."""
    def rule(vote: Guess | None, model: Guess | None) -> Guess | None:
        if model is None or vote is None:
            return combine(vote, model)
        v, m = float(vote.confidence), float(model.confidence)
        if vote.value == model.value:
            return ColourOpinion(model.value, 1 - (1 - m) * (1 - boost * v))
        return ColourOpinion(model.value, m * (1 - penalty * v))
    return rule


RULES: dict[str, Rule] = {
    "vote only": lambda vote, model: _as(vote),
    "model only": lambda vote, model: _as(model),
    "model if >= 0.5, else vote": _model_when_sure(0.5),
    "the surer of the two": _surer,
    "model; agree: boosted": _boosted(boost=1.0, penalty=0.0),
    "model; agree: half boost; disagree: half penalty": _boosted(boost=0.5, penalty=0.5),
    "**combine** (model; disagree: x (1 - vote))": combine,
}


def score_colour_rules(
    root: Path, items: Sequence[StyleItem], truth: Sequence[str], votes: Sequence[Guess | None], *, weights: str
) -> None:
    """Print, per rule, top-1 and the applied share and precision per threshold, for all photos and held-out ones."""
    start = time.perf_counter()
    models = []
    for item in items:
        rgb = np.asarray(load_image(item.image_path(root)), dtype=np.uint8)
        models.append(model_opinion(rgb, foreground(rgb).mask, weights=weights))
    per_photo = (time.perf_counter() - start) / max(1, len(items)) * 1000
    print(f"colour model: {sum(m is not None for m in models)}/{len(items)} read, {per_photo:.0f} ms/photo (mask + model)")
    scored = [i for i, t in enumerate(truth) if t]
    held_out = [i for i in scored if split_of(items[i].id) != "train"]
    for title, rows in (("all photos", scored), ("validation + evaluation split only", held_out)):
        print(f"\n{title}: {len(rows)} photos with a colour")
        print("| rule | top-1 | " + " | ".join(f"applied at {t:.1f} (right)" for t in THRESHOLDS) + " |")
        print("|---|---|" + "---|" * len(THRESHOLDS))
        for name, rule in RULES.items():
            guesses = [(rule(votes[i], models[i]), truth[i]) for i in rows]
            top1 = sum(g is not None and g.value == t for g, t in guesses) / max(1, len(rows))
            cells = []
            for threshold in THRESHOLDS:
                applied = [g.value == t for g, t in guesses if g is not None and g.confidence >= threshold]
                right = f"{sum(applied) / len(applied):.1%}" if applied else "-"
                cells.append(f"{len(applied) / max(1, len(rows)):.0%} ({right})")
            print(f"| {name} | {top1:.3f} | " + " | ".join(cells) + " |")
