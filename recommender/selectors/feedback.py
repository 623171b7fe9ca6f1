"""Feedback reads: a user's likes and hides (cached; the feedback services drop the cache on every write)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from recommender.caching import cache_get, cache_set
from recommender.models import Feedback, InventoryItem
from recommender.services.feedback import feedback_cache_key


def feedback_by_item(user: AbstractBaseUser) -> dict[int, str]:
    """The user's likes and hides by item id, through the cache (the feedback services drop it on every write)."""
    key = feedback_cache_key(user.pk)
    cached = cache_get(key)
    if isinstance(cached, dict):
        return dict(cached)
    feedback = dict(Feedback.objects.filter(user=user).values_list("item_id", "kind"))
    cache_set(key, feedback, settings.RECOMMENDER_PROFILE_CACHE_SECONDS)
    return feedback


def hidden_ids(user: AbstractBaseUser) -> set[int]:
    return {item_id for item_id, kind in feedback_by_item(user).items() if kind != Feedback.Kind.LIKE}


def liked_items(*, user: AbstractBaseUser) -> list[InventoryItem]:
    """The user's liked items, newest like first (retired ones included: they were liked, they may be gone)."""
    return list(
        InventoryItem.objects.filter(feedback__user=user, feedback__kind=Feedback.Kind.LIKE)
        .defer("embedding")
        .order_by("-feedback__created")
    )
