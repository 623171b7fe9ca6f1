from pathlib import Path

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, GarmentFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; start every test with none."""
    cache.clear()
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
def alices_garment(alice):
    return GarmentFactory(owner=alice, name="Blue linen shirt", brand="Uniqlo")


@pytest.fixture
def stored_files(media_root):
    """Every file currently under MEDIA_ROOT, as paths relative to it."""

    def _list() -> list[str]:
        root = Path(media_root)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return _list
