"""The mood board's side of For you: what it reads of a user's boards on every page (cached, dropped by signals),
the board's vectors and profile, and the id space board photos rank in."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from ml.index import normalise
from ml.ranking import Profile, Recommendation, build_profile
from ml.vectors import VectorLayout
from recommender.caching import cache_delete, cache_get, cache_set, content_get, content_set
from recommender.selectors.index import ActiveIndex
from recommender.selectors.items import text_neighbours, vector_of
from wardrobe.models import BoardPhoto
from wardrobe.moodboards import ReadyPhoto, board_photo_vectors, inspiration_share, ready_board_photos


# Board photos go to the ranking in an id space of their own, apart from garments (-pk) and shop items (pk).
BOARD_ID_OFFSET = 2**40


def _board_rank_id(pk: int) -> int:
    return -(BOARD_ID_OFFSET + pk)


def _board_pk(rank_id: int) -> int | None:
    return -rank_id - BOARD_ID_OFFSET if rank_id <= -BOARD_ID_OFFSET else None


@dataclass(frozen=True)
class BoardState:
    """What For you needs to know of the user's mood boards on every page, cached (``board_state_key``) and dropped
    whenever a board photo or the slider changes (recommender.apps connects the signals): so a user with or without
    boards costs no query here on a refresh."""

    photos: tuple[ReadyPhoto, ...]
    share: float


def board_state_key(owner_id: int) -> str:
    return f"recs:boards:{owner_id}"


def forget_board_state(owner_id: int) -> None:
    cache_delete(board_state_key(owner_id))


def _board_state(user: AbstractBaseUser) -> BoardState:
    key = board_state_key(user.pk)
    cached = cache_get(key)
    if isinstance(cached, BoardState):
        return cached
    state = BoardState(photos=tuple(ready_board_photos(user=user)), share=inspiration_share(user=user))
    cache_set(key, state, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return state


@dataclass(frozen=True)
class _BoardProfile:
    """The mood board's side of a list, cached like the closet's: photo pks, their vectors (photo-only ones completed
    with the text of their nearest shop items) and their profile."""

    photo_ids: list[int]
    vectors: np.ndarray
    profile: Profile


def _board_profile(user: AbstractBaseUser, index: ActiveIndex, photos: Sequence[ReadyPhoto]) -> _BoardProfile | None:
    state = repr((index.model_version, getattr(index.version, "pk", None), [(p.pk, p.embedding_updated_at) for p in photos]))
    key = f"recs:board:{user.pk}:{hashlib.blake2b(state.encode(), digest_size=16).hexdigest()}"
    cached = content_get(key)
    if isinstance(cached, _BoardProfile):
        return cached
    layout = VectorLayout.from_version(index.model_version)
    blobs = board_photo_vectors(user=user, pks=[p.pk for p in photos])
    ids, rows = [], []
    for photo in photos:
        blob = blobs.get(photo.pk)
        if blob is None or len(blob) != index.dim * 4:
            continue
        vector = vector_of(blob)
        if not photo.has_text and layout is not None:  # an uploaded photo has no words: it borrows its neighbours'
            vector = layout.borrow_text(vector, text_neighbours(index, vector))
        ids.append(photo.pk)
        rows.append(vector)
    if not rows:
        return None
    vectors = normalise(np.vstack(rows))
    board = _BoardProfile(photo_ids=ids, vectors=vectors, profile=build_profile(vectors))
    for shared in (board.vectors, board.profile.centroids):
        shared.setflags(write=False)
    content_set(key, board, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return board


def _board_photos_by_pk(user: AbstractBaseUser, recs: Sequence[Recommendation]) -> dict[int, BoardPhoto]:
    """The board photos the board's cards name, in one query (none when there are no board cards)."""
    pks = {_board_pk(r.because_owned_id) for r in recs if r.because_owned_id is not None} - {None}
    if not pks:
        return {}
    return BoardPhoto.objects.filter(owner=user, pk__in=pks).only("id", "board_id", "caption", "created_at").in_bulk()
