"""Show me more (issue 13): each list shows mostly new items, for a new user and for a closet, measured on the page
path itself (the link the page renders), and in the API (its cursor)."""
import html as html_lib
import re

import pytest

from ml.metrics import jaccard
from tests.recommender.recs_fixtures import closet_near, make_inventory

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'data-item="(\d+)"')
MORE = re.compile(r'href="([^"]+)" data-more')


@pytest.fixture
def inventory():
    return make_inventory(400)


def _walk(client, clicks: int) -> list[list[int]]:
    """The lists a person sees: the page, then each "Show me more" link it offers."""
    url, lists = "/for-you/", []
    for _ in range(clicks + 1):
        body = client.get(url).content.decode()
        lists.append(list(dict.fromkeys(int(i) for i in ITEM.findall(body))))
        url = "/for-you/" + html_lib.unescape(MORE.search(body).group(1))
    return lists


def _overlaps(lists: list[list[int]]) -> list[float]:
    return [jaccard(a, b) for a, b in zip(lists, lists[1:])]


def test_show_me_more_shows_mostly_new_items_to_a_closet(alice_client, alice, inventory):
    closet_near(alice, inventory, picks=(0, 7, 14, 21, 28, 35))
    overlaps = _overlaps(_walk(alice_client, 4))
    assert all(0.2 <= o <= 0.6 for o in overlaps), overlaps


def test_show_me_more_shows_mostly_new_items_to_a_new_user(alice_client, inventory):
    lists = _walk(alice_client, 3)
    assert all(len(one) >= 20 for one in lists)
    assert all(0.2 <= o <= 0.6 for o in _overlaps(lists)), _overlaps(lists)


def test_the_api_cursor_gives_the_next_list(alice_client, alice, inventory):
    closet_near(alice, inventory, picks=(0, 7, 14, 21, 28, 35))
    first = alice_client.get("/api/recommendations/").json()
    second = alice_client.get("/api/recommendations/", {"cursor": first["next_cursor"]}).json()
    ids = [[r["item"]["id"] for r in page["results"]] for page in (first, second)]
    assert 0.2 <= jaccard(*ids) <= 0.6


def test_a_cursor_of_another_user_or_a_forged_one_is_ignored(alice_client, bob, inventory):
    from django.test import Client

    bob_client = Client()
    bob_client.force_login(bob)
    bobs = bob_client.get("/api/recommendations/").json()["next_cursor"]
    assert alice_client.get("/api/recommendations/", {"cursor": bobs}).status_code == 200
    assert alice_client.get("/api/recommendations/", {"cursor": "forged:abc"}).status_code == 200
