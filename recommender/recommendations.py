"""Reads behind "For you", "Find similar", "Style this" and the recommendation API.

Thin glue between the database and ``ml.ranking``: it loads the user's ready garment vectors and feedback, hands
them to ``recommend`` / ``similar_to`` / ``pairs_with`` over ``current_index()`` (the exact-search fallback when no
index folder is usable), and turns the returned ids back into rows.

Garment ids and inventory ids are different id spaces, so garments go to ``recommend`` as negative ids: a garment
can then never be mistaken for (and excluded as) the inventory item with the same number.

Item metadata for filters and pairings (category, price, sizes, gender) is read once per process and mapped index,
in one query, and kept beside the index: per-candidate queries would cost a round trip per candidate.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import operator
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from ml.index import normalise
from ml.ranking import (
    COMPLEMENTS,
    Filters,
    ItemTable,
    Profile,
    Recommendation,
    build_profile,
    pairs_with,
    recommend,
    similar_to,
    vectors_of,
)
from recommender.caching import cache_get, cache_set, content_get, content_set
from recommender.closet_traits import closet_gender_filter
from recommender.models import EmbeddingState, Feedback, InventoryItem
from recommender.selectors import ActiveIndex, current_index, current_index_and_stamp, inventory_stamp
from recommender.services.feedback import feedback_cache_key
from recommender.services.inventory import _CLOTHING_SIZES, _SHOE_SIZES
from wardrobe import taxonomy
from wardrobe.images import ImageRejected, normalise_image
from wardrobe.models import Garment

logger = logging.getLogger(__name__)

__all__ = [
    "ImageRejected",
    "ItemMatch",
    "Pairings",
    "RecommendationCard",
    "RecommendationFilters",
    "RecommendationPage",
    "SimilarResult",
    "SimilarTimeout",
    "liked_items",
    "pairings_for",
    "recommend_for_liked",
    "recommendations_for",
    "similar_to_image",
    "similar_to_item",
]

# Categories a new user is shown first, one round-robin pass each, before uploading anything.
ONBOARDING_CATEGORIES = (
    taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.DRESSES, taxonomy.SHOES, taxonomy.OUTERWEAR, taxonomy.BAGS,
    taxonomy.ACCESSORIES,
)
# The item columns a card shows (page and API): reading only these keeps a page's rows small (no vector, no import
# fields). A field the API serializes but this list lacks would cost one query per card.
CARD_FIELDS = (
    "id", "external_id", "name", "brand", "category", "gender", "price", "currency", "sizes", "product_url", "image",
    "thumbnail", "is_active", "updated_at",
)
# CARD_FIELDS in the model's field order, the order Model.from_db takes values in ("id" first).
_CARD_COLUMNS = tuple(f.attname for f in InventoryItem._meta.concrete_fields if f.attname in CARD_FIELDS)
_TABLE_COLUMNS = ("id", "category", "price", "sizes", "gender")  # what the ItemTable holds (filters)
CLOSET_MATCHES = 8  # at most this many of the user's own garments in a find-similar answer
_INFO_TTL = 300.0  # seconds item metadata is reused for an index that has not changed


class SimilarTimeout(Exception):
    """Embedding the uploaded photo took longer than RECOMMENDER_SIMILAR_BUDGET_SECONDS."""


@dataclass(frozen=True)
class RecommendationFilters:
    """What the For you page and /api/recommendations/ accept. Empty means "any"."""

    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    size: str = ""
    gender: str = ""

    def to_ml(self, *, exclude_ids: Iterable[int] = ()) -> Filters:
        return Filters(
            categories=frozenset([self.category]) if self.category else None,
            min_price=float(self.min_price) if self.min_price is not None else None,
            max_price=float(self.max_price) if self.max_price is not None else None,
            sizes=frozenset([self.size.upper()]) if self.size else None,
            genders=frozenset(_genders_for(self.gender)) if self.gender else None,
            exclude_ids=frozenset(int(i) for i in exclude_ids),
        )

    @property
    def active(self) -> bool:
        return any((self.category, self.min_price is not None, self.max_price is not None, self.size, self.gender))


def _genders_for(gender: str) -> set[str]:
    """A gender filter also admits unisex items."""
    return {gender, "Unisex"} if gender in ("Men", "Women") else {gender}


@dataclass(frozen=True)
class RecommendationCard:
    item: InventoryItem
    score: float
    because: Garment | None  # the owned garment this item is closest to
    cluster: int = 0
    explore: bool = False
    feedback: str = ""  # the user's like/hide on this item, if any


@dataclass(frozen=True)
class RecommendationGroup:
    label: str
    cards: list[RecommendationCard]


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


@dataclass(frozen=True)
class ItemMatch:
    item: InventoryItem
    score: float


@dataclass(frozen=True)
class GarmentMatch:
    garment: Garment
    score: float


@dataclass
class SimilarResult:
    items: list[ItemMatch]
    garments: list[GarmentMatch]
    added: Garment | None = None  # the upload, when the user asked to keep it in the closet
    message: str = ""  # why the inventory part is empty, when it is
    query_thumbnail: bytes = b""  # JPEG thumbnail of an uploaded query photo, to show it back (never stored)


@dataclass
class Pairings:
    closet: list[GarmentMatch]
    inventory: list[ItemMatch]
    message: str = ""


# --- item metadata beside the index ------------------------------------------------------------------------------


@dataclass
class _InfoCache:
    index: object
    loaded_at: float
    info: ItemTable
    stamp: object = None
    # Card rows (CARD_FIELDS values of active items) read while ``stamp`` holds, shared read-only by this process's
    # requests. An inventory of at most CARD_ROW_CACHE_SIZE items is read whole with the metadata (``complete``):
    # a list of noisy, exploring queries keeps meeting items no earlier page showed, and reading those cost a query
    # on most pages. A larger one is read as pages need it.
    card_rows: dict[int, tuple | InventoryItem] = field(default_factory=dict)
    complete: bool = False


_info_lock = threading.Lock()
_info_cache: _InfoCache | None = None
CARD_ROW_CACHE_SIZE = 50_000  # card rows kept per process; a larger inventory reads them as pages need


_UNREAD = object()  # no inventory stamp given: read it here


def _item_state(index: ActiveIndex, stamp: object = _UNREAD) -> _InfoCache:
    """Metadata of every active item as numpy columns (an ItemTable: filters run over a whole candidate list at
    once), read in one query per mapped index and inventory change (the inventory stamp tells: the caller's, read
    with the index pointer, or one indexed max(updated_at) here), so a retired or repriced item is seen on the next
    request."""
    global _info_cache
    if stamp is _UNREAD:
        stamp = inventory_stamp()
    cached = _info_cache
    if cached is not None and cached.index is index and cached.stamp == stamp and time.monotonic() - cached.loaded_at < _INFO_TTL:
        return cached
    with _info_lock:
        cached = _info_cache
        if cached is not None and cached.index is index and cached.stamp == stamp and time.monotonic() - cached.loaded_at < _INFO_TTL:
            return cached
        active = InventoryItem.objects.filter(is_active=True)
        complete = active.count() <= CARD_ROW_CACHE_SIZE
        columns = _CARD_COLUMNS if complete else _TABLE_COLUMNS
        table_values = operator.itemgetter(*(columns.index(c) for c in _TABLE_COLUMNS))
        ids, categories, prices, sizes, genders = [], [], [], [], []
        card_rows = {}
        for row in active.values_list(*columns).iterator(chunk_size=5000):
            pk, category, price, item_sizes, gender = table_values(row)
            ids.append(pk)
            categories.append(category or "")
            prices.append(float(price) if price is not None else None)
            sizes.append(frozenset(str(x).upper() for x in (item_sizes or ())))
            genders.append(gender or "")
            if complete:
                card_rows[pk] = row
        info = ItemTable(ids, categories=categories, prices=prices, sizes=sizes, genders=genders)
        _info_cache = _InfoCache(
            index=index, loaded_at=time.monotonic(), info=info, stamp=stamp, card_rows=card_rows, complete=complete
        )
        return _info_cache


def item_info_for(index: ActiveIndex) -> ItemTable:
    return _item_state(index).info


def _card_items(state: _InfoCache, item_ids: Sequence[int]) -> dict[int, InventoryItem]:
    """Active items' card rows by id (model instances holding CARD_FIELDS), from this process's rows of the current
    inventory stamp, reading the missing ones unless the rows are complete. A retire, reprice or import moves the
    stamp (``updated_at``), and a new stamp starts a new cache, so a row here is never older than the inventory
    state this request saw."""
    rows = state.card_rows
    missing = [] if state.complete else [i for i in item_ids if i not in rows]
    if missing:
        fetched = {row[0]: row for row in InventoryItem.objects.filter(is_active=True, pk__in=missing).values_list(*_CARD_COLUMNS)}
        if len(rows) + len(fetched) > CARD_ROW_CACHE_SIZE:  # start over, keeping this page's rows
            rows = state.card_rows = {i: rows[i] for i in item_ids if i in rows}
        rows.update(fetched)
    out = {}
    for i in item_ids:
        row = rows.get(i)
        if isinstance(row, tuple):  # read as values; made an instance once, when a page first shows it
            row = rows[i] = InventoryItem.from_db(InventoryItem.objects.db, _CARD_COLUMNS, row)
        if row is not None:
            out[i] = row
    return out


def forget_item_info() -> None:
    global _info_cache
    with _info_lock:
        _info_cache = None


# --- the user's side ---------------------------------------------------------------------------------------------


def _vector(blob) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f4")


def _feedback(user: AbstractBaseUser) -> dict[int, str]:
    """The user's likes and hides by item id, through the cache (the feedback services drop it on every write)."""
    key = feedback_cache_key(user.pk)
    cached = cache_get(key)
    if isinstance(cached, dict):
        return dict(cached)
    feedback = dict(Feedback.objects.filter(user=user).values_list("item_id", "kind"))
    cache_set(key, feedback, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return feedback


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
    """The user's garments, oldest first, holding _CLOSET_COLUMNS (other fields deferred); archived ones are out of
    the closet, so out of the profile too. A raw query: building the same read through the QuerySet API was a
    measurable part of every page's CPU (docs/benchmarks.md)."""
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


def _profile_key(user: AbstractBaseUser, index: ActiveIndex, ready: Sequence[Garment], feedback: dict[int, str]) -> str:
    """Changes whenever the profile would: a garment (re-)embedded, added or removed, any feedback, another index."""
    state = repr((
        index.model_version,
        getattr(index.version, "pk", None),
        [(g.pk, g.embedding_version, g.embedding_updated_at and g.embedding_updated_at.isoformat()) for g in ready],
        sorted(feedback.items()),
    ))
    return f"recs:profile:{user.pk}:{hashlib.blake2b(state.encode(), digest_size=16).hexdigest()}"


def _closet_profile(
    user: AbstractBaseUser, index: ActiveIndex, ready: Sequence[Garment], *, liked: Sequence[int], disliked: Sequence[int],
    feedback: dict[int, str],
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
    owned = normalise(np.vstack([_vector(b) for _, b in rows])) if rows else np.zeros((0, index.dim), dtype=np.float32)
    profile = build_profile(
        owned, liked_vectors=_item_vectors(index, liked), disliked_vectors=_item_vectors(index, disliked),
    )
    for shared in (owned, profile.centroids):  # every later request of this process reads the same arrays
        shared.setflags(write=False)
    closet = _ClosetProfile(owned_ids=owned_ids, owned_vectors=owned, profile=profile)
    content_set(key, closet, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return closet


def _item_vectors(index: ActiveIndex, ids: Iterable[int]) -> np.ndarray | None:
    held = [i for i in ids if i in index]
    return vectors_of(_raw(index), held) if held else None


def recommendations_for(
    *, user: AbstractBaseUser, filters: RecommendationFilters | None = None, seed: int | None = None, k: int = 24
) -> RecommendationPage:
    """The For you list: near the user's closet profile, pulled toward likes and away from hides, never a hidden,
    retired or owned-duplicate item. ``seed`` reproduces a list exactly; None draws a new one (returned in the page).

    The profile (k-means over the closet, likes and hides folded in) is cached per closet and feedback state
    (RECOMMENDER_PROFILE_CACHE_SECONDS), so a refresh costs the noisy queries, the filters and the re-rank only."""
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
    feedback = _feedback(user)
    excluded = [i for i, kind in feedback.items() if kind != Feedback.Kind.LIKE]
    liked = [i for i, kind in feedback.items() if kind == Feedback.Kind.LIKE]
    ready = [
        g for g in garments if g.embedding_state == EmbeddingState.READY and g.embedding_version == index.model_version
    ]
    state = _item_state(index, stamp)
    info = state.info
    if not ready:
        page.state = "embedding" if page.waiting_ids else "onboarding"
        page.cards = _onboarding(index, state, filters, excluded=set(excluded) | set(liked), seed=seed, k=k)
        return page
    closet = _closet_profile(user, index, ready, liked=liked, disliked=excluded, feedback=feedback)
    if not closet.owned_ids:  # embeddings were reset between the two reads
        page.state = "embedding"
        page.cards = _onboarding(index, state, filters, excluded=set(excluded) | set(liked), seed=seed, k=k)
        return page
    ml_filters = filters.to_ml(exclude_ids=[*excluded, *liked])
    if not filters.gender:
        page.closet_genders = closet_gender_filter(user=user, index=index, ready=ready)
        if page.closet_genders:
            ml_filters = dataclasses.replace(ml_filters, genders=page.closet_genders)
    recs = recommend(
        _raw(index),
        [-pk for pk in closet.owned_ids],
        closet.owned_vectors,
        k=k,
        item_info=info,
        filters=_active_only(ml_filters),
        sigma=settings.RECOMMENDER_NOISE_SIGMA,
        rng=np.random.default_rng(seed),
        profile=closet.profile,
        overfetch=settings.RECOMMENDER_OVERFETCH,
    )
    page.cards = _cards(recs, state=state, garments={g.pk: g for g in ready}, feedback=feedback)
    page.groups = _groups(page.cards)
    return page


def _raw(index: ActiveIndex):
    """The mapped index without ActiveIndex's per-query database check: For you filters retired items through the
    item metadata (active items only) and re-checks the chosen few when it reads their rows."""
    return getattr(index, "index", index)


def _active_only(filters: Filters) -> Filters:
    """Make the filter consult item metadata even with no user filter, so items missing from it (retired since
    the metadata was read, or never active) are left out."""
    if filters.needs_info:
        return filters
    return Filters(categories=frozenset(taxonomy.CATEGORIES), exclude_ids=filters.exclude_ids)


def _cards(
    recs: Sequence[Recommendation], *, state: _InfoCache, garments: dict[int, Garment], feedback: dict[int, str]
) -> list[RecommendationCard]:
    """Rows for the chosen items in one query; active ones only (an item retired since the metadata was read is
    dropped here). ``garments``: the user's garments by pk, already read, for the "because you own" line."""
    items = _card_items(state, [r.item_id for r in recs])
    return [
        RecommendationCard(
            item=items[r.item_id],
            score=r.score,
            because=garments.get(-r.because_owned_id) if r.because_owned_id is not None else None,
            cluster=r.cluster,
            explore=r.explore,
            feedback=feedback.get(r.item_id, ""),
        )
        for r in recs
        if r.item_id in items
    ]


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
    index: ActiveIndex, state: _InfoCache, filters: RecommendationFilters, *, excluded: set[int], seed: int, k: int
) -> list[RecommendationCard]:
    """A diverse starter set: a seeded draw over the index, taken round-robin over the popular categories."""
    info = state.info
    rng = np.random.default_rng(seed)
    ml_filters = filters.to_ml(exclude_ids=excluded)
    ids = np.asarray(index.ids)
    sample = ids[rng.permutation(len(ids))[: min(len(ids), k * 60)]]
    categories = info.categories_of(sample)
    usable = info.allowed(sample, ml_filters) & np.isin(categories, ONBOARDING_CATEGORIES)
    queues: dict[str, list[int]] = {c: [] for c in ONBOARDING_CATEGORIES}
    for item_id, category in zip(sample[usable].tolist(), categories[usable].tolist()):
        queues[category].append(item_id)
    chosen: list[int] = []
    while len(chosen) < k and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < k:
                chosen.append(queue.pop())
    items = _card_items(state, chosen)
    return [RecommendationCard(item=items[i], score=0.0, because=None) for i in chosen if i in items]


# --- per liked item (the reference's /recommend) -----------------------------------------------------------------


def recommend_for_liked(
    *, user: AbstractBaseUser, item_ids: Sequence[int], k: int = 10, filters: RecommendationFilters | None = None
) -> dict[int, list[ItemMatch]]:
    """For each liked inventory id, its nearest items (without hidden ones or the other liked ids). Unknown or
    retired ids map to an empty list."""
    index = current_index()
    out: dict[int, list[ItemMatch]] = {int(i): [] for i in item_ids}
    if index is None:
        return out
    feedback = _feedback(user)
    excluded = {i for i, kind in feedback.items() if kind != Feedback.Kind.LIKE} | set(out)
    info = item_info_for(index)
    ml_filters = (filters or RecommendationFilters()).to_ml(exclude_ids=excluded)
    active = set(InventoryItem.objects.filter(pk__in=list(out), is_active=True).values_list("pk", flat=True))
    found: dict[int, list[Recommendation]] = {}
    for item_id in out:
        if item_id in active and item_id in index:
            found[item_id] = similar_to(index, index.vector(item_id), source_id=item_id, k=k, item_info=info, filters=ml_filters)
    items = InventoryItem.objects.defer("embedding").in_bulk({r.item_id for recs in found.values() for r in recs})
    for item_id, recs in found.items():
        out[item_id] = [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]
    return out


# --- find similar ------------------------------------------------------------------------------------------------


def _closet_matches(
    user: AbstractBaseUser, vector: np.ndarray, model_version: str, *, k: int, exclude_pk: int | None = None,
    categories: Iterable[str] | None = None,
) -> list[GarmentMatch]:
    qs = Garment.objects.filter(
        owner=user, archived_at__isnull=True, embedding_state=EmbeddingState.READY, embedding_version=model_version
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if categories is not None:
        qs = qs.filter(category__in=list(categories))
    rows = list(qs.values_list("pk", "embedding"))
    if not rows:
        return []
    matrix = normalise(np.vstack([_vector(b) for _, b in rows]))
    scores = matrix @ normalise(vector.reshape(1, -1))[0]
    order = np.argsort(-scores)[:k]
    garments = Garment.objects.defer("embedding").in_bulk([rows[i][0] for i in order])
    return [GarmentMatch(garments[rows[i][0]], float(scores[i])) for i in order if rows[i][0] in garments]


def _hidden(user: AbstractBaseUser) -> set[int]:
    return {item_id for item_id, kind in _feedback(user).items() if kind != Feedback.Kind.LIKE}


def _inventory_similar(user: AbstractBaseUser, index: ActiveIndex, vector: np.ndarray, *, k: int, source_id: int | None) -> list[ItemMatch]:
    """Shop items like ``vector``. Near-copies are dropped only around a shop item (the same product listed twice);
    for a photo or a closet garment, the shop's copy of it is the best answer ("where do I buy this?")."""
    recs = similar_to(
        index, vector, source_id=source_id, k=k, item_info=item_info_for(index),
        filters=Filters(exclude_ids=frozenset(_hidden(user))),
        **({} if source_id is not None else {"duplicate_threshold": None}),
    )
    items = InventoryItem.objects.defer("embedding").in_bulk([r.item_id for r in recs])
    return [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]


_embed_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="similar-embed")


BORROWED_TEXT_NEIGHBOURS = 10  # a photo query borrows the text of this many nearest shop items (the evaluation's k)


def _embed_query(data: bytes) -> tuple[np.ndarray, str]:
    from wardrobe.embedding import get_encoder

    encoder = get_encoder()
    return np.asarray(encoder.embed_images_only([data])[0], dtype=np.float32), encoder.version


def _with_borrowed_text(vector: np.ndarray, version: str) -> np.ndarray:
    """A photo's query vector completed with the text block its nearest shop items share (a photo has no name;
    ``ItemEncoder.with_borrowed_text``); unchanged when no index of the photo's model version is there."""
    from wardrobe.embedding import get_encoder

    index = current_index()
    if index is None or not len(index) or index.model_version != version:
        return vector
    raw = _raw(index)
    near = [i for i, _ in raw.query(vector, min(BORROWED_TEXT_NEIGHBOURS, len(raw)))]
    return get_encoder().with_borrowed_text(vector, vectors_of(raw, near) if near else np.zeros((0, len(vector))))


def similar_to_image(*, user: AbstractBaseUser, image: IO[bytes], k: int = 12, add_to_closet: bool = False) -> SimilarResult:
    """Top matches for an uploaded photo, from the inventory and from the user's closet.

    The photo goes through the closet's upload validation (same limits, same messages: raises ImageRejected) and
    is embedded in this request within RECOMMENDER_SIMILAR_BUDGET_SECONDS (else SimilarTimeout), its text block
    borrowed from its nearest shop items. It is stored only with ``add_to_closet``, through the closet's own upload
    service.
    """
    normalised = normalise_image(image, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS)
    future = _embed_pool.submit(_embed_query, normalised.full)
    try:
        vector, version = future.result(timeout=settings.RECOMMENDER_SIMILAR_BUDGET_SECONDS)
    except FutureTimeout:
        future.cancel()
        raise SimilarTimeout(
            "Analysing the photo took too long; the site is busy. Please try again in a moment."
        ) from None
    vector = _with_borrowed_text(vector, version)
    added = None
    if add_to_closet:
        from wardrobe.services import garment_create

        image.seek(0)
        added = garment_create(owner=user, image=image)
    result = _similar_result(user, vector, version, k=k, added=added)
    result.query_thumbnail = normalised.thumbnail
    return result


def _similar_result(
    user: AbstractBaseUser, vector: np.ndarray, version: str, *, k: int, added: Garment | None = None,
    source_id: int | None = None, exclude_garment: int | None = None,
) -> SimilarResult:
    closet = _closet_matches(user, vector, version, k=min(k, CLOSET_MATCHES), exclude_pk=exclude_garment)
    result = SimilarResult(items=[], garments=closet, added=added)
    index = current_index()
    if index is None or len(index) == 0:
        result.message = "The shop has no analysed items yet."
    elif index.model_version != version:
        result.message = "The shop's items were analysed with another model version; matches return after re-indexing."
    else:
        result.items = _inventory_similar(user, index, vector, k=k, source_id=source_id)
    return result


def similar_to_item(
    *, user: AbstractBaseUser, item_id: int | None = None, garment_id: int | None = None, k: int = 12
) -> SimilarResult:
    """Matches for one inventory item or one of the user's own garments (another user's garment: DoesNotExist)."""
    if (item_id is None) == (garment_id is None):
        raise ValueError("give exactly one of item_id and garment_id")
    if garment_id is not None:
        garment = Garment.objects.get(owner=user, pk=garment_id)
        if garment.embedding_state != EmbeddingState.READY:
            return SimilarResult(items=[], garments=[], message="This garment is still being analysed.")
        return _similar_result(user, _vector(garment.embedding), garment.embedding_version, k=k, exclude_garment=garment.pk)
    item = InventoryItem.objects.get(pk=item_id, is_active=True)
    if item.embedding_state != EmbeddingState.READY:
        return SimilarResult(items=[], garments=[], message="This item is still being analysed.")
    return _similar_result(user, _vector(item.embedding), item.embedding_version, k=k, source_id=item.pk)


# --- style this item ---------------------------------------------------------------------------------------------


def pairings_for(*, garment: Garment, k: int = 12) -> Pairings:
    """Items of other categories that go with ``garment``: first the owner's own garments (wear what you have),
    then the inventory. Never the garment's own category."""
    if garment.embedding_state != EmbeddingState.READY:
        return Pairings(closet=[], inventory=[], message="This garment is still being analysed; come back in a moment.")
    vector = _vector(garment.embedding)
    wanted = [c for c in COMPLEMENTS.get(garment.category, taxonomy.CATEGORIES) if c != garment.category]
    closet = _round_robin(
        _closet_matches(garment.owner, vector, garment.embedding_version, k=k * 4, exclude_pk=garment.pk, categories=wanted),
        key=lambda m: m.garment.category, k=k,
    )
    pairings = Pairings(closet=closet, inventory=[])
    index = current_index()
    if index is None or len(index) == 0:
        pairings.message = "The shop has no analysed items yet."
        return pairings
    if index.model_version != garment.embedding_version:
        pairings.message = "The shop's items were analysed with another model version; suggestions return after re-indexing."
        return pairings
    recs = pairs_with(
        index, vector, category=garment.category, item_info=item_info_for(index), k=k,
        exclude=_hidden(garment.owner),
    )
    items = InventoryItem.objects.defer("embedding").in_bulk([r.item_id for r in recs])
    pairings.inventory = [ItemMatch(items[r.item_id], r.score) for r in recs if r.item_id in items]
    return pairings


def _round_robin(matches: list, *, key, k: int) -> list:
    queues: dict[str, list] = {}
    for match in matches:
        queues.setdefault(key(match), []).append(match)
    out: list = []
    while len(out) < k and any(queues.values()):
        for queue in queues.values():
            if queue and len(out) < k:
                out.append(queue.pop(0))
    return out


# --- feedback reads ----------------------------------------------------------------------------------------------


def liked_items(*, user: AbstractBaseUser) -> list[InventoryItem]:
    """The user's liked items, newest like first (retired ones included: they were liked, they may be gone)."""
    return list(
        InventoryItem.objects.filter(feedback__user=user, feedback__kind=Feedback.Kind.LIKE)
        .defer("embedding")
        .order_by("-feedback__created")
    )


def feedback_of(*, user: AbstractBaseUser) -> dict[int, str]:
    return _feedback(user)


def search_filter_options() -> dict[str, list]:
    """Choices for the filter bar: categories, genders and sizes present among active items."""
    active = InventoryItem.objects.filter(is_active=True)
    genders = sorted(g for g in active.exclude(gender="").values_list("gender", flat=True).distinct() if g)
    return {
        "categories": taxonomy.CATEGORY_CHOICES,
        "genders": genders,
        "sizes": [*_CLOTHING_SIZES, *_SHOE_SIZES, "One size"],
    }


__all__ += ["GarmentMatch", "RecommendationGroup", "feedback_of", "forget_item_info", "item_info_for", "search_filter_options"]
