"""The mood-board task: how far a board of inspiration photos moves a closet's list, and what it costs the closet.

Each wardrobe of the run gets a board: ``size`` photos of the wardrobe's own persona (gender, usage) in a palette
of colours the closet does not wear, plus ``heldout`` more such items to find again. The closet is photo-only (as
most closets are) and so are the board's photos (an uploaded inspiration photo has no name). The method lists
``K_RECOMMEND`` items at each slider position of ``BOARD_SHARES`` (``ml.ranking.recommend_with_board``), and once
with the board pooled into the closet as if its photos were garments (the naive blend, for comparison).

What is scored, per share (the section's keys are ``<metric>@<share>``, flat so ``report.aggregate`` spreads them
over seeds):

- ``board_palette``: share of the list in the board's palette (how far the list moved to the board);
- ``closet_palette``: share of the list in the closet's palette (what the closet keeps);
- ``persona``: share of the list of the persona (gender and usage), the two parts together;
- ``gender_violations``: share of the list for the other gender;
- ``board_part``: of the board's own cards, the share in the board's palette and persona (does the part that says
  "Inspired by" look like the board?); absent where the board gets no slot;
- ``board_recall``: the board's held-out items found in the list; ``closet_recall`` likewise for the closet's.

The palettes are disjoint, so ``board_palette + closet_palette <= 1``; how they trade off as the share rises is what
chooses ``ml.ranking.DEFAULT_INSPIRATION_SHARE`` (docs/evaluation.md, "Mood board").
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ml import metrics
from ml.evaluate.data import K_RECOMMEND, Board, Dataset, Wardrobe
from ml.evaluate.ours import OursMethod

BOARD_SHARES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0)
POOLED = "pooled"  # the key suffix of the naive blend's row


def sample_boards(
    data: Dataset,
    wardrobes: Sequence[Wardrobe],
    *,
    rng: np.random.Generator,
    size: int = 6,
    heldout: int = 3,
    palette_size: int = 2,
    among: np.ndarray | None = None,
) -> list[tuple[Wardrobe, Board]]:
    """A board per wardrobe: ``palette_size`` colours the closet does not wear (fewer where the persona has fewer),
    drawn with the persona's colour frequencies as the closet's palette is, and ``size + heldout`` of the persona's
    items in them (of ``among``, when given); a wardrobe whose persona has too few such items gets none."""
    allowed = np.ones(len(data), dtype=bool) if among is None else np.isin(np.arange(len(data)), among)
    out: list[tuple[Wardrobe, Board]] = []
    for w in wardrobes:
        members = np.flatnonzero((data.gender == w.gender) & (data.usage == w.usage) & allowed)
        members = members[~np.isin(members, np.asarray(w.items + w.heldout, dtype=np.int64))]
        colours = Counter(c for c in data.base_colour[members] if c and c not in w.palette)
        names = sorted(colours)
        if not names:
            continue
        weights = np.array([colours[c] for c in names], dtype=float)
        palette = tuple(sorted(rng.choice(names, size=min(palette_size, len(names)), replace=False,
                                          p=weights / weights.sum())))
        pool = rng.permutation(members[np.isin(data.base_colour[members], palette)])
        if len(pool) < size + heldout:
            continue
        out.append((w, Board(palette, tuple(int(i) for i in pool[:size]),
                             tuple(int(i) for i in pool[size : size + heldout]))))
    return out


def key(metric: str, share: float | str) -> str:
    """The section key of ``metric`` at a slider position (or ``POOLED``)."""
    return f"{metric}@{share}" if isinstance(share, str) else f"{metric}@{share:.2f}"


def score_boards(data: Dataset, method: OursMethod, pairs: Sequence[tuple[Wardrobe, Board]], *,
                 rng: np.random.Generator, shares: Sequence[float] = BOARD_SHARES) -> dict[str, float]:
    """The section ``mood_board`` of a configuration: every metric of the module doc at every share, and pooled."""
    rows: dict[str, list[float]] = {}

    def add(name: str, share: float | str, value: float) -> None:
        rows.setdefault(key(name, share), []).append(value)

    for w, b in pairs:
        lists: list[tuple[float | str, list[int], list[int]]] = []
        for position in shares:
            closet_ids, board_ids = method.recommend_with_board(w, b, share=position, k=K_RECOMMEND, rng=rng)
            lists.append((position, [int(i) for i in closet_ids], [int(i) for i in board_ids]))
        pooled = method.recommend_pooled(w, b, k=K_RECOMMEND, rng=rng)
        lists.append((POOLED, [int(i) for i in pooled], []))
        for share, closet, board in lists:
            whole = closet + board
            if set(whole) & set(w.items + b.items):
                raise AssertionError("a mood-board list recommended a photo of the closet or the board itself")
            pad = K_RECOMMEND
            add("board_palette", share, sum(data.base_colour[i] in b.palette for i in whole) / pad)
            add("closet_palette", share, sum(data.base_colour[i] in w.palette for i in whole) / pad)
            add("persona", share, sum(metrics.gender_matches(data.gender[i], w.gender) and data.usage[i] == w.usage
                                      for i in whole) / pad)
            add("gender_violations", share, sum(metrics.gender_violates(data.gender[i], w.gender)
                                                for i in whole) / pad)
            if board:
                add("board_part", share, sum(data.base_colour[i] in b.palette and data.usage[i] == w.usage
                                             and metrics.gender_matches(data.gender[i], w.gender)
                                             for i in board) / len(board))
            add("board_recall", share, metrics.recall_at_k(whole, b.heldout, k=K_RECOMMEND))
            add("closet_recall", share, metrics.recall_at_k(whole, w.heldout, k=K_RECOMMEND))
    return {name: metrics.mean(values) for name, values in rows.items()}

