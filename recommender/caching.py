"""Reads and writes of Django's cache that an outage never turns into an error page.

Everything the recommender caches (closet profiles, feedback, closet gender calls) can be recomputed from the
database, so a cache that is down costs the computation and a warning, never the request.
"""
from __future__ import annotations

import logging
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
