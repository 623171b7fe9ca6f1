"""recommender.caching: content-addressed values are kept in the process as well as in the shared cache."""
from django.core.cache import cache

from recommender import caching


def test_a_content_value_is_served_from_the_process_after_the_shared_cache_lost_it():
    caching.content_set("profile:abc", {"centroids": [1, 2]}, 60)
    cache.clear()
    assert caching.content_get("profile:abc") == {"centroids": [1, 2]}


def test_a_content_value_another_process_stored_is_read_from_the_shared_cache_and_then_kept():
    cache.set("profile:def", "from another worker", 60)
    assert caching.content_get("profile:def") == "from another worker"
    cache.clear()
    assert caching.content_get("profile:def") == "from another worker"


def test_the_process_keeps_only_the_most_recently_used_values(monkeypatch):
    monkeypatch.setattr(caching, "CONTENT_MEMO_SIZE", 2)
    for key in ("a", "b"):
        caching.content_set(key, key.upper(), 60)
    caching.content_get("a")  # "b" is now the least recently used
    caching.content_set("c", "C", 60)
    cache.clear()
    assert [caching.content_get(k) for k in ("a", "b", "c")] == ["A", None, "C"]
