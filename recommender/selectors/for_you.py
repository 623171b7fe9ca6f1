"""For you: the personal list behind the page and /api/recommendations/.

Thin glue between the database and ``ml.ranking``: it loads the user's ready garment vectors and feedback, hands
them to ``recommend`` over ``current_index()`` (the exact-search fallback when no index folder is usable), and
turns the returned ids back into card rows (``recommender.selectors.items``).

Garment ids and inventory ids are different id spaces, so garments go to ``recommend`` as negative ids: a garment
can then never be mistaken for (and excluded as) the inventory item with the same number.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from ml.index import normalise
from ml.ranking import (DEFAULT_INSPIRATION_SHARE, Filters, ItemTable, Profile, Recommendation, build_profile,
                        complete_closet, complete_pool, complete_slots, inspiration_slots, lacking_categories,
                        recommend_with_board, vectors_of)
from recommender.caching import content_get, content_set
from recommender.closet_traits import closet_gender_filter
from recommender.models import EmbeddingState, Feedback, InventoryItem
from recommender.selectors.boards import _board_pk, _board_photos_by_pk, _board_profile, _board_rank_id, _board_state
from recommender.selectors.feedback import feedback_by_item
from recommender.selectors.filters import (SOURCE_CLOSET, SOURCE_UNSURE, AppliedFilter, RecommendationFilters,
                                           _stated_preferences, stated_filters)
from recommender.selectors.index import ActiveIndex, current_index_and_stamp
from recommender.selectors.items import ItemState, card_items, category_groups, item_state, raw_index, vector_of
from recommender.selectors.more import KEEP_ON_MORE, more_cursor
from wardrobe import taxonomy
from wardrobe.models import BoardPhoto, Garment

# Categories a new user is shown first, one round-robin pass each, before uploading anything.
ONBOARDING_CATEGORIES = (
    taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.DRESSES, taxonomy.SHOES, taxonomy.OUTERWEAR, taxonomy.BAGS,
    taxonomy.ACCESSORIES,
)


@dataclass(frozen=True)
class RecommendationCard:
    item: InventoryItem
    score: float
    because: Garment | None  # the owned garment this item is closest to
    cluster: int = 0
    explore: bool = False
    feedback: str = ""  # the user's like/hide on this item, if any
    inspiration: BoardPhoto | None = None  # for a "From your mood board" card: the board photo it comes from


@dataclass(frozen=True)
class RecommendationGroup:
    label: str
    cards: list[RecommendationCard]
    board: bool = False  # the "From your mood board" group
    complete: bool = False  # the "Complete your closet" group: categories that pair with the closet's, not owned


@dataclass
class RecommendationPage:
    """One For you list.

    ``state``: ``ready`` (personal list), ``onboarding`` (no garments: a diverse starter set),
    ``embedding`` (garments exist but none is analysed yet; poll ``waiting_ids``), ``no_inventory`` (nothing
    embedded to recommend from). ``degraded`` is the staff-facing reason the exact fallback serves, if it does.
    """

    state: str
    cards: list[RecommendationCard] = field(default_factory=list)
    groups: list[RecommendationGroup] = field(default_factory=list)
    seed: int = 0
    filters: RecommendationFilters = field(default_factory=RecommendationFilters)
    waiting_ids: list[int] = field(default_factory=list)  # garments still pending or processing
    garment_count: int = 0
    degraded: str = ""
    # The genders admitted because the closet looks like one person's (recommender.closet_traits), when the user
    # chose no gender filter: e.g. {"Women", "Unisex"}; {"Unisex"} when the photos do not say whose they are.
    closet_genders: frozenset[str] | None = None
    board_photo_count: int = 0  # analysed mood-board photos that shaped this list
    inspiration_share: float = DEFAULT_INSPIRATION_SHARE  # the slider the list was made with
    next_cursor: str = ""  # "Show me more": pass it back for the next list (see more_cursor)
    applied: list[AppliedFilter] = field(default_factory=list)  # what narrowed the list, and who said so
    ask_shop_for: bool = False  # the closet's photos could not say whose clothes they are: ask, one click

    @property
    def gender_source(self) -> str:
        return next((a.source for a in self.applied if a.name == "gender"), "")


# What For you reads of each garment: its state, the profile's cache key and the "because you own" line.
_CLOSET_COLUMNS = ("id", "name", "category", "embedding_state", "embedding_version", "embedding_updated_at", "updated_at")


@functools.cache
def _closet_sql() -> str:
    qn = connection.ops.quote_name
    return (
        f"SELECT {', '.join(map(qn, _CLOSET_COLUMNS))} FROM {qn(Garment._meta.db_table)} "
        f"WHERE {qn('owner_id')} = %s AND {qn('archived_at')} IS NULL ORDER BY {qn('id')}"
    )


def _closet_of(user: AbstractBaseUser) -> list[Garment]:
    """The user's garments, oldest first, holding _CLOSET_COLUMNS (other fields deferred). A raw query: building
    the same read through the QuerySet API was a measurable part of every page's CPU (docs/benchmarks.md)."""
    return list(Garment.objects.raw(_closet_sql(), [user.pk]))


def _new_seed() -> int:
    return int(np.random.default_rng().integers(1, 2**31 - 1))


@dataclass(frozen=True)
class _ClosetProfile:
    """What a For you list needs from the closet and feedback besides the noise: cached, so a refresh skips the
    clustering and the vector reads."""

    owned_ids: list[int]  # garment pks, ascending
    owned_vectors: np.ndarray  # (n, d) float32, aligned with owned_ids
    profile: Profile
    categories: tuple[str, ...] = ()  # each garment's category as the recommender reads it (category_groups)
    key: str = ""  # its cache key (_profile_key): what the values cached alongside it are keyed by


def _profile_key(user: AbstractBaseUser, index: ActiveIndex, ready: Sequence[Garment], feedback: dict[int, str]) -> str:
    """Changes whenever the profile would: a garment (re-)embedded, added or removed, any feedback, another index."""
    state = repr((
        index.model_version,
        getattr(index.version, "pk", None),
        [(g.pk, g.category, g.embedding_version, g.embedding_updated_at and g.embedding_updated_at.isoformat())
         for g in ready],
        sorted(feedback.items()),
    ))
    # v2: the profile carries its own key (the Complete your closet pool is cached under it); a v1 one has none.
    return f"recs:profile:v2:{user.pk}:{hashlib.blake2b(state.encode(), digest_size=16).hexdigest()}"


def _closet_profile(
    user: AbstractBaseUser, index: ActiveIndex, ready: Sequence[Garment], *, liked: Sequence[int], disliked: Sequence[int],
    feedback: dict[int, str], info: ItemTable,
) -> _ClosetProfile:
    key = _profile_key(user, index, ready, feedback)
    cached = content_get(key)
    if isinstance(cached, _ClosetProfile):
        return cached
    rows = list(
        Garment.objects.filter(pk__in=[g.pk for g in ready], embedding_state=EmbeddingState.READY)
        .order_by("pk")
        .values_list("pk", "embedding")
    )
    owned_ids = [pk for pk, _ in rows]
    owned = normalise(np.vstack([vector_of(b) for _, b in rows])) if rows else np.zeros((0, index.dim), dtype=np.float32)
    category = {g.pk: g.category for g in ready}
    read = category_groups(index, info, [category[pk] for pk in owned_ids], owned) if len(owned) else []
    profile = build_profile(
        owned, liked_vectors=_item_vectors(index, liked), disliked_vectors=_item_vectors(index, disliked),
        groups=read or None,
    )
    for shared in (owned, profile.centroids):  # every later request of this process reads the same arrays
        shared.setflags(write=False)
    closet = _ClosetProfile(owned_ids=owned_ids, owned_vectors=owned, profile=profile, categories=tuple(read), key=key)
    content_set(key, closet, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return closet


def _complete_pool(
    index: ActiveIndex, closet: _ClosetProfile, *, lacking: Sequence[str], filters: Filters, info: ItemTable,
) -> np.ndarray:
    """The items "Complete your closet" draws from (ml.ranking.complete_pool), cached beside the closet's profile
    per set of filters, so a refresh skips the wide search for categories the closet lacks."""
    state = repr((closet.key, tuple(lacking), _filters_key(filters)))
    key = f"recs:complete:{hashlib.blake2b(state.encode(), digest_size=16).hexdigest()}"
    cached = content_get(key) if closet.key else None  # a profile cached before it carried its key: no sharing
    if isinstance(cached, np.ndarray):
        return cached
    pool = complete_pool(raw_index(index), [-pk for pk in closet.owned_ids], closet.owned_vectors, lacking=lacking,
                         item_info=info, filters=filters, overfetch=settings.RECOMMENDER_OVERFETCH)
    pool.setflags(write=False)
    if closet.key:
        content_set(key, pool, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return pool


def _filters_key(filters: Filters) -> tuple:
    """The filters as a value that reads the same in every process (sets sorted), their ``exclude_ids`` aside."""
    return tuple(
        (f.name, sorted(v) if isinstance(v, frozenset) else v)
        for f in dataclasses.fields(filters) if f.name != "exclude_ids" for v in [getattr(filters, f.name)]
    )


def _item_vectors(index: ActiveIndex, ids: Iterable[int]) -> np.ndarray | None:
    held = [i for i in ids if i in index]
    return vectors_of(raw_index(index), held) if held else None


def recommendations_for(
    *, user: AbstractBaseUser, filters: RecommendationFilters | None = None, seed: int | None = None, k: int = 24,
    share: float | None = None, shown: Sequence[int] = (),
) -> RecommendationPage:
    """The For you list: near the user's closet profile, pulled toward likes and away from hides, never a hidden,
    retired or owned-duplicate item. ``seed`` reproduces a list exactly; None draws a new one (returned in the page).

    The profile (k-means over the closet, likes and hides folded in) is cached per closet and feedback state
    (RECOMMENDER_PROFILE_CACHE_SECONDS), and so is the pool "Complete your closet" draws from (per set of filters),
    so a refresh costs the noisy queries, the filters and the re-rank only.
    ``shown``: the previous list's ids, best first (``shown_by_cursor``); all but its best KEEP_ON_MORE are left out,
    so "Show me more" brings mostly new items."""
    page = _recommendations(user=user, filters=filters, seed=seed, k=k, share=share, shown=shown)
    page.next_cursor = more_cursor(user, [(c.item.pk, c.score) for c in page.cards]) if page.cards else ""
    return page


def _recommendations(
    *, user: AbstractBaseUser, filters: RecommendationFilters | None, seed: int | None, k: int, share: float | None,
    shown: Sequence[int],
) -> RecommendationPage:
    filters = filters or RecommendationFilters()
    seed = seed if seed is not None else _new_seed()
    page = RecommendationPage(state="ready", seed=seed, filters=filters)
    garments = _closet_of(user)
    page.garment_count = len(garments)
    page.waiting_ids = [g.pk for g in garments if g.embedding_state in (EmbeddingState.PENDING, EmbeddingState.PROCESSING)]
    index, stamp = current_index_and_stamp()
    if index is None or len(index) == 0:
        page.state = "no_inventory"
        return page
    page.degraded = index.fallback_reason
    feedback = feedback_by_item(user)
    excluded = [i for i, kind in feedback.items() if kind != Feedback.Kind.LIKE]
    liked = [i for i, kind in feedback.items() if kind == Feedback.Kind.LIKE]
    keep = int(round(k * KEEP_ON_MORE))
    kept, seen = list(shown[:keep]), list(shown[keep:])
    stated = _stated_preferences(user)
    ml_filters, page.applied = stated_filters(filters, stated)
    ml_filters = dataclasses.replace(ml_filters, exclude_ids=frozenset([*excluded, *liked]))
    ready = [
        g for g in garments if g.embedding_state == EmbeddingState.READY and g.embedding_version == index.model_version
    ]
    state = item_state(index, stamp)
    info = state.info
    boards = _board_state(user)
    photos = [p for p in boards.photos if p.embedding_version == index.model_version]
    page.inspiration_share = boards.share if share is None else min(1.0, max(0.0, float(share)))
    closet = (_closet_profile(user, index, ready, liked=liked, disliked=excluded, feedback=feedback, info=info)
              if ready else None)
    if closet is not None and not closet.owned_ids:  # embeddings were reset between the two reads
        closet = None
    board = _board_profile(user, index, photos) if photos else None
    page.board_photo_count = len(board.photo_ids) if board is not None else 0
    if closet is None and board is None:
        page.state = "embedding" if page.waiting_ids else "onboarding"
        page.cards = _onboarding(
            index, state, dataclasses.replace(ml_filters, exclude_ids=ml_filters.exclude_ids | frozenset(seen)),
            seed=seed, k=k, kept=kept,
        )
        return page
    if not filters.gender and not stated.shop_for and ready:
        page.closet_genders = closet_gender_filter(user=user, index=index, ready=ready)
        if page.closet_genders:
            ml_filters = dataclasses.replace(ml_filters, genders=page.closet_genders)
            unsure = page.closet_genders == frozenset({taxonomy.UNISEX})
            page.ask_shop_for = unsure
            page.applied.insert(0, AppliedFilter(
                "gender", ", ".join(sorted(page.closet_genders, key=lambda g: (g == taxonomy.UNISEX, g))),
                SOURCE_UNSURE if unsure else SOURCE_CLOSET,
            ))
    still = _still_shown(index, info, _active_only(ml_filters), kept, closet)
    lacking = lacking_categories(closet.categories) if closet is not None and not filters.category else ()
    # The group's slots come out of the closet's part of the list, never the board's (the slider keeps its meaning),
    # and only while the closet's part keeps 12 cards.
    listed = k - len(still)
    _, board_slots = inspiration_slots(listed, page.inspiration_share, has_closet=closet is not None,
                                       has_board=board is not None)
    n_complete = complete_slots(listed, reserved=board_slots) if lacking else 0
    complete: list[Recommendation] = []
    if n_complete and closet is not None:  # first, so the main list takes whatever slots it leaves
        complete = complete_closet(
            raw_index(index), [-pk for pk in closet.owned_ids], closet.owned_vectors, lacking=lacking, k=n_complete,
            item_info=info,
            filters=dataclasses.replace(ml_filters, exclude_ids=ml_filters.exclude_ids | frozenset(shown)),
            sigma=settings.RECOMMENDER_NOISE_SIGMA, rng=np.random.default_rng([seed, 7]),
            pool=_complete_pool(index, closet, lacking=lacking, filters=ml_filters, info=info),
            overfetch=settings.RECOMMENDER_OVERFETCH,
        )
    blended = recommend_with_board(
        raw_index(index),
        [-pk for pk in closet.owned_ids] if closet is not None else [],
        closet.owned_vectors if closet is not None else np.zeros((0, index.dim), dtype=np.float32),
        [_board_rank_id(pk) for pk in board.photo_ids] if board is not None else [],
        board.vectors if board is not None else np.zeros((0, index.dim), dtype=np.float32),
        k=listed - len(complete),
        share=board_slots / (listed - len(complete)) if listed > len(complete) else page.inspiration_share,
        item_info=info,
        filters=_active_only(dataclasses.replace(
            ml_filters, exclude_ids=ml_filters.exclude_ids | frozenset(shown) | {r.item_id for r in complete},
        )),
        sigma=settings.RECOMMENDER_NOISE_SIGMA,
        rng=np.random.default_rng(seed),
        profile=closet.profile if closet is not None else None,
        board_profile=board.profile if board is not None else None,
        overfetch=settings.RECOMMENDER_OVERFETCH,
    )
    photo_rows = _board_photos_by_pk(user, blended.board)
    closet_cards = _cards([*blended.closet, *still], state=state, garments={g.pk: g for g in ready}, feedback=feedback)
    board_cards = _cards(blended.board, state=state, garments={}, feedback=feedback, photos=photo_rows)
    complete_cards = _cards(complete, state=state, garments={g.pk: g for g in ready}, feedback=feedback)
    page.cards = closet_cards + board_cards + complete_cards
    page.groups = _groups(closet_cards)
    if (board_cards or complete_cards) and closet_cards and not page.groups:
        page.groups = [RecommendationGroup(label="From your closet", cards=closet_cards)]
    if board_cards:
        page.groups.append(RecommendationGroup(label="From your mood board", cards=board_cards, board=True))
    if complete_cards:
        page.groups.append(RecommendationGroup(label="Complete your closet", cards=complete_cards, complete=True))
    return page


def _still_shown(
    index: ActiveIndex, info: ItemTable, filters: Filters, kept: Sequence[int], closet: _ClosetProfile | None,
) -> list[Recommendation]:
    """The best of the previous list that "Show me more" keeps (those the filters still allow: not hidden, liked or
    retired since), each credited to the nearest owned garment and placed in its nearest style, as a ranked card."""
    ids = np.asarray([i for i in kept if i in index], dtype=np.int64)
    if not len(ids):
        return []
    ids = ids[info.allowed(ids, filters)]
    if not len(ids) or closet is None:
        return [Recommendation(int(i), 0.0, None, 0) for i in ids]
    vectors = vectors_of(raw_index(index), ids)
    to_owned = vectors @ closet.owned_vectors.T
    cluster = (vectors @ closet.profile.centroids.T).argmax(axis=1)
    return [
        Recommendation(int(i), float(row.max()), -int(closet.owned_ids[int(row.argmax())]), int(c))
        for i, row, c in zip(ids, to_owned, cluster)
    ]


def _active_only(filters: Filters) -> Filters:
    """Make the filter consult item metadata even with no user filter, so items missing from it (retired since
    the metadata was read, or never active) are left out."""
    if filters.needs_info:
        return filters
    return Filters(categories=frozenset(taxonomy.CATEGORIES), exclude_ids=filters.exclude_ids)


def _cards(
    recs: Sequence[Recommendation], *, state: ItemState, garments: dict[int, Garment], feedback: dict[int, str],
    photos: dict[int, BoardPhoto] | None = None,
) -> list[RecommendationCard]:
    """Rows for the chosen items in one query; active ones only (an item retired since the metadata was read is
    dropped here). ``garments``: the user's garments by pk, already read, for the "because you own" line;
    ``photos``: the board photos by pk, for a board card's "inspired by" line."""
    items = card_items(state, [r.item_id for r in recs])
    photos = photos or {}
    cards = []
    for r in recs:
        if r.item_id not in items:
            continue
        because = inspiration = None
        if r.because_owned_id is not None:
            board_pk = _board_pk(r.because_owned_id)
            if board_pk is not None:
                inspiration = photos.get(board_pk)
            else:
                because = garments.get(-r.because_owned_id)
        cards.append(
            RecommendationCard(
                item=items[r.item_id], score=r.score, because=because, cluster=r.cluster, explore=r.explore,
                feedback=feedback.get(r.item_id, ""), inspiration=inspiration,
            )
        )
    return cards


def _groups(cards: list[RecommendationCard]) -> list[RecommendationGroup]:
    """One group per style cluster, named after the garments that explain it; none when the closet has one style."""
    by_cluster: dict[int, list[RecommendationCard]] = {}
    for card in cards:
        by_cluster.setdefault(card.cluster, []).append(card)
    if len(by_cluster) < 2:
        return []
    groups = []
    for cluster_cards in sorted(by_cluster.values(), key=len, reverse=True):
        counts: dict[int, tuple[int, Garment]] = {}
        for card in cluster_cards:
            if card.because is not None:
                n, _ = counts.get(card.because.pk, (0, card.because))
                counts[card.because.pk] = (n + 1, card.because)
        top = [g.name for _, g in sorted(counts.values(), key=lambda t: -t[0])[:2]]
        label = "Goes with your " + " and ".join(top) if top else "More to explore"
        groups.append(RecommendationGroup(label=label, cards=cluster_cards))
    return groups


def _onboarding(
    index: ActiveIndex, state: ItemState, ml_filters: Filters, *, seed: int, k: int, kept: Sequence[int] = (),
) -> list[RecommendationCard]:
    """A diverse starter set under ``ml_filters`` (the page's and the stated ones): a seeded draw over the index,
    taken round-robin over the popular categories; after "Show me more", the ``kept`` items of the list before (those
    the filters still allow) and new draws."""
    info = state.info
    rng = np.random.default_rng(seed)
    still = [int(i) for i in np.asarray(kept, dtype=np.int64)[info.allowed(np.asarray(kept, dtype=np.int64),
                                                                         ml_filters)]] if len(kept) else []
    ml_filters = dataclasses.replace(ml_filters, exclude_ids=ml_filters.exclude_ids | frozenset(still))
    ids = np.asarray(index.ids)
    sample = ids[rng.permutation(len(ids))[: min(len(ids), k * 60)]]
    categories = info.categories_of(sample)
    usable = info.allowed(sample, ml_filters) & np.isin(categories, ONBOARDING_CATEGORIES)
    queues: dict[str, list[int]] = {c: [] for c in ONBOARDING_CATEGORIES}
    for item_id, category in zip(sample[usable].tolist(), categories[usable].tolist()):
        queues[category].append(item_id)
    chosen: list[int] = []
    while len(chosen) < k - len(still) and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < k - len(still):
                chosen.append(queue.pop())
    chosen += still  # new first: that is what the click asked for
    items = card_items(state, chosen)
    return [RecommendationCard(item=items[i], score=0.0, because=None) for i in chosen if i in items]
