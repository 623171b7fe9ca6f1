"""Taste from a mood board: how a list shares its slots between the closet and the board, and the board's part.

A mood board is a set of inspiration photos (someone else's look, a shop item, one of the user's garments). Its
vectors are queried exactly like a closet's (:func:`ml.ranking.recommend`: profile, noise, filters, MMR), but as a
part of its own, so every card of that part names the photo it comes from and removing a photo removes its pull.

``share`` is the user's slider, "more like my closet" (0) to "more like my inspiration" (1): the board gets
``round(k * share)`` of the ``k`` slots and the closet the rest, so either end gives a closet-only or a board-only
list. A closet with no board (or a board with no closet) gets every slot. The default is the share measured in
docs/evaluation.md ("Mood board: the inspiration share"): the board pulls the list as far as pooling its photos
into the closet would, without pooling's cost to the closet.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ml.ranking.items import Filters
from ml.ranking.profile import Profile
from ml.ranking.queries import Recommendation, recommend
from ml.index import VectorIndex

DEFAULT_INSPIRATION_SHARE = 0.3  # python -m ml.evaluate ... --configs random,ours (the mood-board table)


def inspiration_slots(k: int, share: float, *, has_closet: bool, has_board: bool) -> tuple[int, int]:
    """(closet slots, board slots) of a list of ``k``. ``share`` is clipped to [0, 1]."""
    if k <= 0:
        return 0, 0
    if not has_board:
        return k, 0
    if not has_closet:
        return 0, k
    board = int(round(k * min(1.0, max(0.0, float(share)))))
    return k - board, board


@dataclass
class BlendedRecommendations:
    """The two parts of a blended list; ``board`` cards' ``because_owned_id`` is a board photo's id."""

    closet: list[Recommendation] = field(default_factory=list)
    board: list[Recommendation] = field(default_factory=list)


def recommend_with_board(
    index: VectorIndex,
    owned_ids: Sequence[int],
    owned_vectors: np.ndarray,
    board_ids: Sequence[int],
    board_vectors: np.ndarray,
    *,
    k: int,
    share: float = DEFAULT_INSPIRATION_SHARE,
    filters: Filters | None = None,
    profile: Profile | None = None,
    board_profile: Profile | None = None,
    rng: np.random.Generator | None = None,
    **options: Any,
) -> BlendedRecommendations:
    """The closet's part (``recommend`` over the owned vectors, with ``profile``) and the board's part (over the
    board's vectors, with ``board_profile``), never the same item twice. ``options`` go to both calls (item_info,
    sigma, overfetch, ...). Owned and board ids must not collide (the caller keeps them in separate id spaces)."""
    rng = rng if rng is not None else np.random.default_rng()
    filters = filters or Filters()
    k_closet, k_board = inspiration_slots(k, share, has_closet=len(owned_ids) > 0, has_board=len(board_ids) > 0)
    out = BlendedRecommendations()
    if k_closet:
        out.closet = recommend(
            index, owned_ids, owned_vectors, k=k_closet, filters=filters, profile=profile, rng=rng, **options
        )
    if k_board:
        shown = frozenset(filters.exclude_ids) | {r.item_id for r in out.closet}
        out.board = recommend(
            index, board_ids, board_vectors, k=k_board, filters=dataclasses.replace(filters, exclude_ids=shown),
            profile=board_profile, rng=rng, **options,
        )
    return out
