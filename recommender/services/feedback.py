"""Writes of a user's feedback on inventory items (like, hide, not my style)."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from recommender.models import Feedback, InventoryItem


def feedback_set(*, user: AbstractBaseUser, item_id: int, kind: str) -> Feedback:
    """Record the user's verdict on an active item, replacing an earlier one. Raises InventoryItem.DoesNotExist for
    an unknown or retired item and ValueError for an unknown kind."""
    if kind not in Feedback.Kind.values:
        raise ValueError(f"kind must be one of {', '.join(Feedback.Kind.values)}; got {kind!r}")
    item = InventoryItem.objects.only("pk").get(pk=item_id, is_active=True)
    feedback, _ = Feedback.objects.update_or_create(user=user, item=item, defaults={"kind": kind})
    return feedback


def feedback_clear(*, user: AbstractBaseUser, item_id: int) -> bool:
    """Undo the user's verdict on an item. True when there was one."""
    deleted, _ = Feedback.objects.filter(user=user, item_id=item_id).delete()
    return bool(deleted)
