"""One shop card: For you, Liked and Find similar render a shop item with the same component
(recommender/card_item.html through recommender.cards)."""
import re

import pytest
from django.urls import reverse

from recommender.cards import item_card
from recommender.models import InventoryItem
from recommender.services.feedback import feedback_set
from recommender.services.inventory import set_active
from tests.factories import UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def shown(alice, alice_client):
    """An item alice's For you page shows, and that page's HTML."""
    closet_near(alice, make_inventory(60))
    html = alice_client.get("/for-you/?seed=1").content.decode()
    return InventoryItem.objects.get(pk=int(re.search(r'data-item="(\d+)"', html).group(1))), html


def card_of(html: str, item_id: int) -> str:
    return re.search(rf'<li class="card rec-card[^"]*" data-item="{item_id}">.*?</li>', html, re.S).group(0)


def test_for_you_liked_and_find_similar_show_an_item_with_the_same_card_parts(alice, alice_client, shown):
    item, for_you = shown
    feedback_set(user=alice, item_id=item.pk, kind="like")
    liked = alice_client.get("/for-you/liked/").content.decode()
    parts = item_card(InventoryItem.objects.get(pk=item.pk))
    for html in (card_of(for_you, item.pk), card_of(liked, item.pk)):
        assert parts.media in html and parts.text in html and parts.links in html


def test_a_find_similar_match_is_a_shop_card_with_its_score(alice_client, shown):
    item, _ = shown
    html = alice_client.get(reverse("recommender:similar-item", args=[item.pk])).content.decode()
    match = re.search(r'<li class="card rec-card rec-card--compact" data-item="(\d+)">.*?</li>', html, re.S)
    assert match and 'class="score"' in match.group(0)
    assert item_card(InventoryItem.objects.get(pk=int(match.group(1)))).text in match.group(0)


def test_a_liked_card_of_a_retired_item_says_it_is_no_longer_sold_and_offers_unlike(alice, alice_client, shown):
    item, _ = shown
    feedback_set(user=alice, item_id=item.pk, kind="like")
    set_active(item_ids=[item.pk], active=False)
    card = card_of(alice_client.get("/for-you/liked/").content.decode(), item.pk)
    assert "No longer sold" in card and 'value="clear"' in card and "Unlike" in card and 'data-remove-on="clear"' in card
