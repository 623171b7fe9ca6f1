"""Reads and writes of Django's cache that an outage never turns into an error page.

Everything the recommender caches (closet profiles, feedback, closet gender calls) can be recomputed from the
database, so a cache that is down costs the computation and a warning, never the request.

Values under content-addressed keys (the key is a hash of everything the value is computed from, so the value under
a key never changes: closet profiles, closet gender calls) are also kept in each process's memory
(``content_get`` / ``content_set``): For you reads one on every page, and a closet profile (its garments' vectors)
is large to fetch from Redis and unpickle each time.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from django.core.cache import cache

logger = logging.getLogger(__name__)


def cache_get(key: str) -> Any:
    """The cached value, or None when absent or when the cache is unreachable."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage costs the computation, never the page
        logger.warning("cache unavailable; %s recomputed", key, exc_info=True)
        return None


def cache_set(key: str, value: Any, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001
        logger.warning("cache unavailable; %s not stored", key, exc_info=True)


def cache_delete(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # noqa: BLE001 - an unreachable cache holds nothing we could serve anyway
        logger.warning("cache unavailable; %s not dropped", key, exc_info=True)


CONTENT_MEMO_SIZE = 256  # values kept per process (a closet profile holds its garments' float32 vectors)
_content_memo: OrderedDict[str, Any] = OrderedDict()
_content_lock = threading.Lock()


def content_get(key: str) -> Any:
    """The value under a content-addressed key: from this process's memory when it read or wrote it before, else
    from the shared cache (then kept here). None when absent."""
    with _content_lock:
        if key in _content_memo:
            _content_memo.move_to_end(key)
            return _content_memo[key]
    value = cache_get(key)
    if value is not None:
        _remember(key, value)
    return value


def content_set(key: str, value: Any, seconds: int) -> None:
    """Store a value under a content-addressed key, here and in the shared cache (for the other processes)."""
    _remember(key, value)
    cache_set(key, value, seconds)


def forget_content() -> None:
    """Empty this process's memory of content-addressed values (tests)."""
    with _content_lock:
        _content_memo.clear()


def _remember(key: str, value: Any) -> None:
    with _content_lock:
        _content_memo[key] = value
        _content_memo.move_to_end(key)
        while len(_content_memo) > CONTENT_MEMO_SIZE:
            _content_memo.popitem(last=False)
