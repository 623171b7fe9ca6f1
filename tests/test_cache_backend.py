"""The deployed cache backend (closetspace_site.cache.RedisCache) against a real Redis db (TEST_REDIS_URL): Django's
behaviour, with one redis.Redis client per connection pool instead of one per call."""
import os

import pytest
from django.core.cache import cache

from recommender import selectors
from tests.recommender.recs_fixtures import closet_near, make_inventory

PREFIX = "test-cache-backend"


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set (make test sets it)")
    settings.CACHES = {"default": {"BACKEND": "closetspace_site.cache.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": PREFIX}}
    _drop_own_keys()
    yield cache
    _drop_own_keys()
    selectors.forget_loaded_index()


def _drop_own_keys() -> None:
    """Only this module's keys: the db is shared with the broker tests (cache.clear() would flush all of it)."""
    client = cache._cache.get_client(write=True)
    keys = client.keys(f"{PREFIX}:*")
    if keys:
        client.delete(*keys)


def test_values_round_trip_and_expire_as_with_djangos_backend(redis_cache):
    redis_cache.set("a", {"x": [1, 2]}, 60)
    redis_cache.set("gone", 1, 0)  # a timeout of 0 deletes
    assert redis_cache.get("a") == {"x": [1, 2]} and redis_cache.get("gone") is None
    assert redis_cache.get_many(["a", "missing"]) == {"a": {"x": [1, 2]}}
    redis_cache.delete("a")
    assert redis_cache.get("a", "default") == "default"


def test_every_call_uses_the_same_client_of_the_pool(redis_cache):
    client = redis_cache._cache.get_client()
    redis_cache.set("a", 1, 60)
    assert redis_cache._cache.get_client() is client
    assert redis_cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool


@pytest.mark.django_db
def test_for_you_serves_its_cached_list_parts_from_redis(client, alice, redis_cache, settings):
    settings.RECOMMENDER_REBUILD_INLINE = False
    closet_near(alice, make_inventory(60))
    client.force_login(alice)
    first = client.get("/for-you/?seed=1")
    again = client.get("/for-you/?seed=1")
    assert first.status_code == again.status_code == 200
    assert again.content.decode().count('class="card rec-card') >= 12
    stored = redis_cache._cache.get_client().keys(f"{PREFIX}:*")
    assert any(b":recs:profile:" in key for key in stored)  # the closet profile, read back by the second page
