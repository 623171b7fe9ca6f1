"""Suite-wide fixtures: the three users every access-control test reads the same way (alice owns things, bob is
another user, charlie has nothing), a logged-in client for alice, a staff curator, a fast password hasher, and a
private media/index folder and an empty cache per test. App-specific factories live in tests/factories.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD, UserFactory

# Password hashing is deliberately slow in production (~0.45 s a hash); tests log in hundreds of times.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads and index files under its own temporary folder, never under var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ML_INDEX_DIR = tmp_path / "index"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: cached profiles, feedback, throttle counters and sessions are keyed by
    ids a later test's fresh database may hand out again."""
    from django.core.cache import cache

    from recommender.caching import forget_content

    cache.clear()
    forget_content()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def charlie(db):
    return UserFactory(username="charlie")


@pytest.fixture
def alice_client(client, alice):
    client.login(username="alice", password=PASSWORD)
    return client


@pytest.fixture
def staff_client(client, db):
    """The test client logged in as a staff superuser (the inventory curator)."""
    UserFactory(username="curator", is_staff=True, is_superuser=True)
    client.login(username="curator", password=PASSWORD)
    return client


@pytest.fixture
def stored_files(media_root):
    """Every file currently under MEDIA_ROOT, as paths relative to it."""

    def _list() -> list[str]:
        root = Path(media_root)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return _list


@pytest.fixture
def broker_down():
    """This process's Celery app, not eager, pointed at a port nothing listens on: every publish fails, so queued
    jobs stay queued nowhere (and no model runs in the test)."""
    from celery import current_app as app

    # The app reads Django settings with the CELERY_ namespace, so overrides take the prefixed names.
    down = {
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_PUBLISH_RETRY": False, "CELERY_BROKER_CONNECTION_RETRY": False, "CELERY_BROKER_CONNECTION_TIMEOUT": 2,
    }
    saved = {k: app.conf.get(k) for k in down}
    app.conf.update(down)
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.update(saved)
    app._pool, app.amqp._producer_pool = None, None
