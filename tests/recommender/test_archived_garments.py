"""Archived garments are out of the closet the recommender reads: For you, its profile and find-similar."""
import pytest

from recommender.selectors import recommendations_for
from tests.factories import UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory
from wardrobe import organising

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


def test_no_card_is_explained_by_an_archived_garment(alice):
    items = make_inventory()
    kept, *archived = closet_near(alice, items, picks=(0, 7, 14))
    for garment in archived:
        organising.garment_archive(garment=garment)
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "ready" and page.cards
    assert {card.because.pk for card in page.cards if card.because} == {kept.pk}


def test_a_closet_with_every_garment_archived_is_treated_as_empty(alice):
    items = make_inventory()
    for garment in closet_near(alice, items):
        organising.garment_archive(garment=garment)
    assert recommendations_for(user=alice, seed=1, k=12).state == "onboarding"


def test_unarchiving_brings_the_garment_back_into_the_profile(alice):
    items = make_inventory()
    garments = closet_near(alice, items)
    for garment in garments:
        organising.garment_archive(garment=garment)
    organising.garment_unarchive(garment=garments[0])
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "ready" and {c.because.pk for c in page.cards if c.because} == {garments[0].pk}
