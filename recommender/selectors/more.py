"""Show me more: the cursor a For you list hands out, and what it says was shown."""
from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing


# The next list keeps the best KEEP_ON_MORE of the one before (what the person was shown first stays findable) and
# fills the rest with items not shown yet: consecutive lists share at most 10 of 24 cards (Jaccard <= 0.26), so
# every click shows mostly new items, for a new user too. The cursor carries the list's ids, best first, signed
# and bound to the user, so the page link and the API need no server-side session.
KEEP_ON_MORE = 0.4
_CURSOR_SALT = "recommender.for_you.more"


def more_cursor(user: AbstractBaseUser, shown: Sequence[tuple[int, float]]) -> str:
    """The cursor of a shown list of (item id, score) pairs: its ids, best first (board and exploring cards by their
    own score)."""
    ranked = sorted(shown, key=lambda pair: -pair[1])
    return signing.dumps({"u": user.pk, "i": [item_id for item_id, _ in ranked]}, salt=_CURSOR_SALT, compress=True)


def shown_by_cursor(user: AbstractBaseUser, cursor: str) -> list[int]:
    """The ids a cursor says were shown, best first; nothing for an empty, forged, foreign or malformed cursor
    (a stale link still gets a fresh list)."""
    if not cursor:
        return []
    try:
        data = signing.loads(cursor, salt=_CURSOR_SALT)
    except signing.BadSignature:
        return []
    if not isinstance(data, dict) or data.get("u") != user.pk or not isinstance(data.get("i"), list):
        return []
    return [int(i) for i in data["i"][:200] if isinstance(i, int)]
