"""What narrows a For you list: the page's own filters (``RecommendationFilters``), the stated shopping
preferences filling what the page leaves empty (``stated_filters``), and where each applied constraint came from
(``AppliedFilter``), which the page and the API both show. The closet's photos fill only what is still unsaid
(``for_you``)."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from accounts.preferences import Preferences, preferences_of
from ml.ranking import Filters
from recommender.caching import cache_delete, cache_get, cache_set
from wardrobe import taxonomy


@dataclass(frozen=True)
class RecommendationFilters:
    """What the For you page and /api/recommendations/ accept. Empty means "any"."""

    category: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    size: str = ""
    gender: str = ""
    occasion: str = ""  # one of taxonomy.OCCASIONS: the inventory's usage

    def to_ml(self, *, exclude_ids: Iterable[int] = ()) -> Filters:
        return Filters(
            categories=frozenset([self.category]) if self.category else None,
            min_price=float(self.min_price) if self.min_price is not None else None,
            max_price=float(self.max_price) if self.max_price is not None else None,
            sizes=frozenset([self.size.upper()]) if self.size else None,
            genders=frozenset(_genders_for(self.gender)) if self.gender else None,
            exclude_ids=frozenset(int(i) for i in exclude_ids),
            occasions=frozenset([self.occasion]) if self.occasion else None,
        )

    @property
    def active(self) -> bool:
        return any((self.category, self.min_price is not None, self.max_price is not None, self.size, self.gender,
                    self.occasion))


def _genders_for(gender: str) -> set[str]:
    """A gender filter also admits unisex items."""
    return {gender, taxonomy.UNISEX} if gender in taxonomy.ADULT_GENDERS else {gender}


# Where an applied filter comes from: the page's own filter, the user's stated preferences, the closet's photos, or
# the photos could not tell (only unisex items are shown until the person answers).
SOURCE_FILTER, SOURCE_PROFILE, SOURCE_CLOSET, SOURCE_UNSURE = "filter", "profile", "closet", "unsure"
SOURCE_TEXT = {
    SOURCE_FILTER: "you chose it here", SOURCE_PROFILE: "from your profile",
    SOURCE_CLOSET: "read from your closet's photos", SOURCE_UNSURE: "unsure: choose",
}


@dataclass(frozen=True)
class AppliedFilter:
    """One constraint a list was made under: ``name`` gender, size, budget or occasion; ``value`` as a person reads
    it; ``source`` one of SOURCE_TEXT."""

    name: str
    value: str
    source: str

    @property
    def source_text(self) -> str:
        return SOURCE_TEXT[self.source]


def stated_filters(filters: RecommendationFilters, stated: Preferences) -> tuple[Filters, list[AppliedFilter]]:
    """The ml filters of the page's own choices, each left empty filled from the stated preferences (sizes admit
    items that list none: a stated size must not hide every bag), and what was applied from where."""
    ml = filters.to_ml()
    applied: list[AppliedFilter] = []
    if filters.gender:
        applied.append(AppliedFilter("gender", filters.gender, SOURCE_FILTER))
    elif stated.shop_for:
        ml = dataclasses.replace(ml, genders=frozenset(_genders_for(stated.shop_for)))
        applied.append(AppliedFilter("gender", stated.shop_for, SOURCE_PROFILE))
    sizes = [s for s in (stated.clothing_size, stated.shoe_size) if s]
    if filters.size:
        applied.append(AppliedFilter("size", filters.size, SOURCE_FILTER))
    elif sizes:
        ml = dataclasses.replace(ml, sizes=frozenset(s.upper() for s in sizes), sized_only=False)
        label = ", ".join([stated.clothing_size] * bool(stated.clothing_size)
                          + [f"EU {stated.shoe_size}"] * bool(stated.shoe_size))
        applied.append(AppliedFilter("size", label, SOURCE_PROFILE))
    if filters.min_price is not None or filters.max_price is not None:
        applied.append(AppliedFilter("budget", _budget_text(filters.min_price, filters.max_price), SOURCE_FILTER))
    elif stated.budget_min is not None or stated.budget_max is not None:
        ml = dataclasses.replace(
            ml, min_price=float(stated.budget_min) if stated.budget_min is not None else None,
            max_price=float(stated.budget_max) if stated.budget_max is not None else None,
        )
        applied.append(AppliedFilter("budget", _budget_text(stated.budget_min, stated.budget_max), SOURCE_PROFILE))
    if filters.occasion:
        applied.append(AppliedFilter("occasion", taxonomy.OCCASION_LABELS[filters.occasion], SOURCE_FILTER))
    elif stated.occasions:
        ml = dataclasses.replace(ml, occasions=frozenset(stated.occasions))
        applied.append(AppliedFilter("occasion", ", ".join(stated.occasion_labels), SOURCE_PROFILE))
    return ml, applied


def _budget_text(low: Decimal | None, high: Decimal | None) -> str:
    def amount(value: Decimal) -> str:
        return format(Decimal(value).normalize(), "f")  # 50.00 -> "50", 49.90 -> "49.9"

    if low is not None and high is not None:
        return f"{amount(low)} to {amount(high)}"
    if low is not None:
        return f"from {amount(low)}"
    return f"up to {amount(high)}" if high is not None else ""


def preferences_state_key(owner_id: int) -> str:
    return f"recs:prefs:{owner_id}"


def forget_preferences_state(owner_id: int) -> None:
    cache_delete(preferences_state_key(owner_id))


def _stated_preferences(user: AbstractBaseUser) -> Preferences:
    """The user's stated preferences, cached like the board state and dropped when they change (recommender.apps),
    so a refresh costs no query for them."""
    key = preferences_state_key(user.pk)
    cached = cache_get(key)
    if isinstance(cached, Preferences):
        return cached
    stated = preferences_of(user=user)
    cache_set(key, stated, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return stated
