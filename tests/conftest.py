"""Suite-wide fixtures. App-specific factories live in tests/factories.py."""
import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes uploads and index files under its own temporary folder, never under var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ML_INDEX_DIR = tmp_path / "index"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: cached profiles, feedback and sessions are keyed by ids a later test's
    fresh database may hand out again."""
    from django.core.cache import cache

    from recommender.caching import forget_content

    cache.clear()
    forget_content()
    yield


@pytest.fixture
def broker_down():
    """This process's Celery app, not eager, pointed at a port nothing listens on: every publish fails, so queued
    jobs stay queued nowhere (and no model runs in the test)."""
    from celery import current_app as app

    # The app reads Django settings with the CELERY_ namespace, so overrides take the prefixed names.
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    saved = {k: app.conf.get(k) for k in keys}
    app.conf.update(CELERY_BROKER_URL="redis://127.0.0.1:1/0", CELERY_TASK_ALWAYS_EAGER=False)
    app._pool, app.amqp._producer_pool = None, None
    yield
    app.conf.update(saved)
    app._pool, app.amqp._producer_pool = None, None
