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
