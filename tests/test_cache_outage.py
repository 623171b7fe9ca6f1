"""A cache outage costs speed, never the site: with the cache pointed at a closed port (a real Redis client, nothing
listening), sessions fall back to the database and the pages a signed-in person uses still serve."""
import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.urls import reverse

from recommender import selectors
from tests.factories import PASSWORD, UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every command fails to connect


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def cache_down(settings):
    # The backend the settings deploy, pointed at a port nothing listens on.
    settings.CACHES = {"default": {"BACKEND": "closetspace_site.cache.RedisCache", "LOCATION": CLOSED_PORT}}
    with pytest.raises(Exception):
        cache.get("probe")  # the outage is real: the cache itself fails
    yield
    selectors.forget_loaded_index()


def log_in(client) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def test_the_login_page_serves_with_the_cache_down(client, cache_down):
    assert client.get(reverse("login")).status_code == 200


def test_logging_in_with_the_cache_down_keeps_the_person_signed_in(client, alice, cache_down):
    log_in(client)
    page = client.get(reverse("wardrobe:closet"))
    assert page.status_code == 200 and page.wsgi_request.user == alice


def test_the_closet_serves_with_the_cache_down(client, alice, cache_down):
    log_in(client)
    assert client.get(reverse("wardrobe:closet")).status_code == 200


def test_for_you_serves_a_full_list_with_the_cache_down(client, alice, settings, cache_down):
    settings.RECOMMENDER_REBUILD_INLINE = False
    closet_near(alice, make_inventory(60))
    log_in(client)
    page = client.get(reverse("recommender:for-you"))
    assert page.status_code == 200
    assert page.content.decode().count('class="card rec-card') >= 12


def test_logging_out_with_the_cache_down_ends_the_session(client, alice, cache_down):
    log_in(client)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("wardrobe:closet")).status_code == 302  # back to the login page


def test_a_session_written_while_the_cache_was_down_is_read_once_it_is_back(alice, settings, cache_down):
    from importlib import import_module

    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore()
    store["colour"] = "teal"
    store.save()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "back"}}
    assert import_module(settings.SESSION_ENGINE).SessionStore(store.session_key)["colour"] == "teal"
