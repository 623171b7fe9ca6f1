"""Outfit compatibility and assembly from a person's own closet (no Django: plain data in, plain data out).

A piece's fit to the request and a pair's fit to each other are scored in [0, 1]:

- **occasion** and **season**: a piece said to be for the requested one scores 1, a piece that says nothing 0.5
  (unknown is not a mismatch), a piece for another one 0. "all-season" matches every season.
- **palette**: neutrals (black, white, grey, beige, navy, brown, silver) go with anything (1.0); two chromatic
  colours are scored by their hue distance on the colour wheel: the same hue (monochrome) 0.85, analogous
  (<= 45 degrees) 0.8, complementary (150-210) 0.75, anything else 0.35 (the classic clash); "multi" with a
  neutral 0.9, with a colour 0.5, with another multi 0.3.
- **style**: the cosine of the two garments' embeddings mapped to [0, 1], when both have one; left out otherwise.

An outfit's score is a weighted mean: 0.3 occasion, 0.2 season (the mean over its pieces), 0.3 palette and 0.2 style
(the mean over its pairs). Weights of missing parts (no vectors) are shared among the others, so scores of outfits
with and without vectors stay comparable. Assembly is greedy and explainable: an anchor (a top, or a dress, which
fills the bottom slot alone) then, slot by slot, the piece that raises the score most; every pick keeps its reasons.
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

TOP, BOTTOM, OUTERWEAR, SHOES, BAG, ACCESSORIES = "top", "bottom", "outerwear", "shoes", "bag", "accessories"
SLOT_ORDER: tuple[str, ...] = (TOP, BOTTOM, OUTERWEAR, SHOES, BAG, ACCESSORIES)
ALL_SEASON = "all-season"
COLD_SEASONS = frozenset({"autumn", "winter"})

NEUTRALS = frozenset({"black", "white", "grey", "beige", "navy", "brown", "silver"})
# Hue angles (degrees) of the chromatic colours of the taxonomy.
HUE: dict[str, float] = {
    "red": 0, "maroon": 350, "pink": 340, "orange": 30, "gold": 45, "yellow": 55, "olive": 70, "green": 135,
    "blue": 220, "purple": 280,
}
WEIGHTS: dict[str, float] = {"occasion": 0.3, "season": 0.2, "palette": 0.3, "style": 0.2}


@dataclass(frozen=True)
class Piece:
    """A garment as the scorer sees it. `one_piece` marks a dress: it fills the bottom slot and needs no top."""

    id: int
    name: str
    slot: str
    colour: str = ""
    season: str = ""
    occasions: frozenset[str] = frozenset()
    vector: np.ndarray | None = field(default=None, compare=False, hash=False)
    one_piece: bool = False


@dataclass
class Pick:
    piece: Piece
    reasons: list[str]


@dataclass
class Suggestion:
    picks: list[Pick]
    score: float

    @property
    def ids(self) -> list[int]:
        return [p.piece.id for p in self.picks]


def occasion_fit(piece: Piece, occasion: str) -> float:
    if not occasion or not piece.occasions:
        return 0.5
    return 1.0 if occasion in piece.occasions else 0.0


def season_fit(piece: Piece, season: str) -> float:
    if not season or not piece.season:
        return 0.5
    return 1.0 if piece.season in (season, ALL_SEASON) or season == ALL_SEASON else 0.0


def palette_harmony(a: str, b: str) -> float:
    """How well two colours of the taxonomy go together, in [0, 1] (the table in the module docstring)."""
    if not a or not b:
        return 0.7
    if a in NEUTRALS or b in NEUTRALS:
        other = b if a in NEUTRALS else a
        return 0.9 if other == "multi" else 1.0
    if a == "multi" or b == "multi":
        return 0.3 if a == b else 0.5
    if a not in HUE or b not in HUE:
        return 0.6
    distance = abs(HUE[a] - HUE[b]) % 360
    distance = min(distance, 360 - distance)
    if a == b:
        return 0.85
    if distance <= 45:
        return 0.8
    if 150 <= distance <= 210:
        return 0.75
    return 0.35


def style_similarity(a: Piece, b: Piece) -> float | None:
    """The cosine of the two embeddings mapped to [0, 1]; None when either garment has none."""
    if a.vector is None or b.vector is None:
        return None
    va, vb = np.asarray(a.vector, dtype=np.float32), np.asarray(b.vector, dtype=np.float32)
    denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if denom == 0.0 or va.shape != vb.shape:
        return None
    return (float(va @ vb) / denom + 1.0) / 2.0


def outfit_score(pieces: Sequence[Piece], *, occasion: str = "", season: str = "") -> float:
    """The compatibility of a set of pieces for an occasion and season, in [0, 1] (weights in the module docstring)."""
    if not pieces:
        return 0.0
    parts: dict[str, float] = {
        "occasion": float(np.mean([occasion_fit(p, occasion) for p in pieces])),
        "season": float(np.mean([season_fit(p, season) for p in pieces])),
    }
    pairs = list(itertools.combinations(pieces, 2))
    if pairs:
        parts["palette"] = float(np.mean([palette_harmony(a.colour, b.colour) for a, b in pairs]))
        styles = [s for s in (style_similarity(a, b) for a, b in pairs) if s is not None]
        if styles:
            parts["style"] = float(np.mean(styles))
    total = sum(WEIGHTS[k] for k in parts)
    return sum(WEIGHTS[k] * v for k, v in parts.items()) / total


def _reasons(piece: Piece, chosen: Sequence[Piece], occasion: str, season: str) -> list[str]:
    reasons: list[str] = []
    if occasion and occasion in piece.occasions:
        reasons.append(f"for {occasion}")
    if season and piece.season == ALL_SEASON:
        reasons.append("an all-season piece")
    elif season and piece.season == season:
        reasons.append(f"a {season} piece")
    if chosen:
        best = max(chosen, key=lambda other: palette_harmony(piece.colour, other.colour))
        harmony = palette_harmony(piece.colour, best.colour)
        if piece.colour in NEUTRALS:
            reasons.append(f"{piece.colour} goes with anything")
        elif piece.colour and best.colour and harmony >= 0.75:
            kind = "matches" if piece.colour == best.colour else "goes with"
            reasons.append(f"{piece.colour} {kind} the {best.colour} {best.name}")
        similar = [(s, o) for o in chosen if (s := style_similarity(piece, o)) is not None]
        if similar:
            s, other = max(similar, key=lambda t: t[0])
            if s >= 0.75:
                reasons.append(f"close in style to {other.name} ({s:.2f})")
    return reasons or ["fills the slot"]


def wanted_slots(anchor: Piece, season: str) -> list[str]:
    """The slots an outfit around ``anchor`` fills: the clothes it lacks (a top wants a bottom, a bottom a top, a
    dress nothing, shoes or a bag or an accessory both), outerwear in autumn and winter, then shoes, bag and
    accessory, never the anchor's own slot."""
    if anchor.one_piece:
        slots = []
    elif anchor.slot == TOP:
        slots = [BOTTOM]
    elif anchor.slot == BOTTOM:
        slots = [TOP]
    else:
        slots = [TOP, BOTTOM]
    if season in COLD_SEASONS and anchor.slot != OUTERWEAR:
        slots.append(OUTERWEAR)
    slots += [s for s in (SHOES, BAG, ACCESSORIES) if s != anchor.slot]
    return slots


def complete_outfit(
    anchor: Piece, pieces: Sequence[Piece], *, occasion: str = "", season: str = ""
) -> Suggestion:
    """The outfit around ``anchor`` from ``pieces`` (the anchor need not be one of them: a shop item, a region of a
    photo): slot by slot (``wanted_slots``) the piece that raises the score most; bag and accessory join only
    when they help. Pieces made for another occasion or season are not used. The anchor is the first pick."""
    usable = [p for p in pieces if p.id != anchor.id and occasion_fit(p, occasion) > 0 and season_fit(p, season) > 0]
    by_slot: dict[str, list[Piece]] = {}
    for p in usable:
        by_slot.setdefault(p.slot, []).append(p)
    chosen = [anchor]
    picks = [Pick(anchor, _reasons(anchor, [], occasion, season))]
    for slot in wanted_slots(anchor, season):
        if slot == TOP and any(p.one_piece for p in chosen):
            continue  # a dress picked for the bottom slot needs no top
        options = [p for p in by_slot.get(slot, []) if not (slot == BOTTOM and p.one_piece and anchor.slot == TOP)]
        if not options:
            continue
        best = max(options, key=lambda p: (outfit_score([*chosen, p], occasion=occasion, season=season), -p.id))
        if slot in (BAG, ACCESSORIES) and outfit_score([*chosen, best], occasion=occasion, season=season) < outfit_score(chosen, occasion=occasion, season=season):
            continue  # optional slots only join when they help
        picks.append(Pick(best, _reasons(best, chosen, occasion, season)))
        chosen.append(best)
    picks.sort(key=lambda pk: SLOT_ORDER.index(pk.piece.slot) if pk.piece.slot in SLOT_ORDER else len(SLOT_ORDER))
    return Suggestion(picks=picks, score=outfit_score(chosen, occasion=occasion, season=season))


def assemble(
    pieces: Sequence[Piece], *, occasion: str = "", season: str = "", limit: int = 3, min_fit: float = 0.25
) -> list[Suggestion]:
    """Up to `limit` outfits from `pieces`, best first, each around a different anchor (a top or a dress).

    Pieces made for another occasion or season (fit 0 on either) are not used. Every outfit has an anchor, a bottom
    unless the anchor is a dress, and shoes when the closet has any; outerwear joins in autumn and winter.
    """
    usable = [p for p in pieces if occasion_fit(p, occasion) > 0 and season_fit(p, season) > 0]
    by_slot: dict[str, list[Piece]] = {slot: [] for slot in SLOT_ORDER}
    for p in usable:
        by_slot.setdefault(p.slot, []).append(p)
    anchors = by_slot[TOP] + [p for p in by_slot[BOTTOM] if p.one_piece]
    suggestions: list[Suggestion] = []
    for anchor in anchors:
        outfit = complete_outfit(anchor, usable, occasion=occasion, season=season)
        if len(outfit.picks) < 2 and not anchor.one_piece:
            continue
        if outfit.score >= min_fit:
            suggestions.append(outfit)
    suggestions.sort(key=lambda s: (-s.score, s.ids))
    unique: list[Suggestion] = []
    seen: set[frozenset[int]] = set()
    for s in suggestions:
        key = frozenset(s.ids)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique[:limit]
