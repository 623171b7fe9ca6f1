"""Writes of a user's feedback on inventory items (like, hide, not my style)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from recommender.caching import cache_delete
from recommender.models import Feedback, InventoryItem


def feedback_cache_key(user_id: int) -> str:
    """Where recommender.selectors.feedback keeps a user's feedback between requests; every write here drops it."""
    return f"recs:feedback:{user_id}"


def _forget_cached_feedback(user_id: int) -> None:
    key = feedback_cache_key(user_id)
    cache_delete(key)
    # Again once committed: a request that read the old rows between the first drop and the commit may have cached them.
    transaction.on_commit(lambda: cache_delete(key))


def feedback_set(*, user: AbstractBaseUser, item_id: int, kind: str) -> Feedback:
    """Record the user's verdict on an active item, replacing an earlier one. Raises InventoryItem.DoesNotExist for
    an unknown or retired item and ValueError for an unknown kind."""
    if kind not in Feedback.Kind.values:
        raise ValueError(f"kind must be one of {', '.join(Feedback.Kind.values)}; got {kind!r}")
    item = InventoryItem.objects.only("pk").get(pk=item_id, is_active=True)
    feedback, _ = Feedback.objects.update_or_create(user=user, item=item, defaults={"kind": kind})
    _forget_cached_feedback(user.pk)
    return feedback


def feedback_clear(*, user: AbstractBaseUser, item_id: int) -> bool:
    """Undo the user's verdict on an item. True when there was one."""
    deleted, _ = Feedback.objects.filter(user=user, item_id=item_id).delete()
    _forget_cached_feedback(user.pk)
    return bool(deleted)
