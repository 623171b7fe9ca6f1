"""The session engine: Django's cached_db sessions, whose cache is optional.

Sessions are read through the cache (Redis in a deployment) and written through to the database. Django's cached_db
store lets a cache error escape from `load` (the refill after a miss), `exists` and `delete`, so with Redis down
every page that touches the session was a 500. Here each cache call that fails counts as a miss (reads) or as done
(writes), and the database, which holds every session anyway, answers: an outage costs a session query per
request, never the page.

What is given up: a write or delete that failed during an outage is not repeated, so when the same Redis comes back
with its old contents (a partition rather than a restart) it can serve a session as it was before the outage, until
its expiry. A logout rotates the session key and drops the cookie, so the browser that logged out is not affected.
"""
from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

logger = logging.getLogger(__name__)


class _FailSafeCache:
    """The few cache operations a session store uses, each turning a cache error into a miss or a no-op."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def _failed(self, op: str) -> None:
        logger.warning("session cache unavailable (%s); the database answers", op, exc_info=True)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self._cache.get(key, default)
        except Exception:  # noqa: BLE001 - any cache failure is a miss: the database holds the session
            self._failed("get")
            return default

    def set(self, key: str, value: Any, timeout: Any = None) -> None:
        try:
            self._cache.set(key, value, timeout)
        except Exception:  # noqa: BLE001
            self._failed("set")

    def delete(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception:  # noqa: BLE001
            self._failed("delete")

    def __contains__(self, key: str) -> bool:
        try:
            return key in self._cache
        except Exception:  # noqa: BLE001
            self._failed("has_key")
            return False

    async def aget(self, key: str, default: Any = None) -> Any:
        try:
            return await self._cache.aget(key, default)
        except Exception:  # noqa: BLE001
            self._failed("get")
            return default

    async def aset(self, key: str, value: Any, timeout: Any = None) -> None:
        try:
            await self._cache.aset(key, value, timeout)
        except Exception:  # noqa: BLE001
            self._failed("set")

    async def adelete(self, key: str) -> None:
        try:
            await self._cache.adelete(key)
        except Exception:  # noqa: BLE001
            self._failed("delete")

    def __repr__(self) -> str:
        return f"<fail-safe {self._cache!r}>"


class SessionStore(CachedDbStore):
    """cached_db sessions that fall back to the database whenever the cache fails (SESSION_ENGINE)."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = _FailSafeCache(self._cache)
