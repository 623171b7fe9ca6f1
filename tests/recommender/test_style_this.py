"""Style this (issue 13): an outfit from the closet first, then shop items for what it lacks; never the garment's own
category, the other gender, a near-copy of something owned, or beauty with clothes. Real index, real database."""
import numpy as np
import pytest

from recommender import services
from recommender.selectors import pairings_for
from tests.factories import InventoryItemFactory
from tests.recommender.recs_fixtures import DIM, ready_garment, unit
from wardrobe import taxonomy

pytestmark = pytest.mark.django_db

GENDER_AXIS = {"Women": 0, "Men": 1}
CATEGORY_AXIS = {taxonomy.TOPS: 2, taxonomy.BOTTOMS: 3, taxonomy.SHOES: 4, taxonomy.BAGS: 5, taxonomy.BEAUTY: 6}


def place(gender: str, category: str, rng, noise: float = 0.25) -> np.ndarray:
    """A vector saying whose it is and what it is (the gender probe learns the first, pairing reads the second)."""
    v = np.zeros(DIM)
    v[GENDER_AXIS[gender]] = 1.0
    v[CATEGORY_AXIS[category]] = 1.0
    return unit(v + noise * rng.normal(size=DIM))


@pytest.fixture
def shop():
    rng = np.random.default_rng(5)
    items = {}
    for gender in GENDER_AXIS:
        for category in CATEGORY_AXIS:
            items[gender, category] = [
                InventoryItemFactory(vector=place(gender, category, rng), gender=gender, category=category,
                                     name=f"{gender} {category} {i}") for i in range(15)
            ]
    services.rebuild_index(force=True)
    return items


@pytest.fixture
def closet(alice, shop):
    rng = np.random.default_rng(6)
    return {category: [ready_garment(alice, place("Women", category, rng), category=category, name=f"My {category} {i}")
                       for i in range(3)]
            for category in (taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.SHOES, taxonomy.BAGS)}


def test_the_closet_part_is_an_outfit_of_other_categories(closet):
    pairings = pairings_for(garment=closet[taxonomy.TOPS][0])
    picked = {p.garment.category for p in pairings.outfit.picks}
    assert {taxonomy.BOTTOMS, taxonomy.SHOES} <= picked
    assert taxonomy.TOPS not in {m.garment.category for m in pairings.closet}


def test_shop_items_are_never_for_the_other_gender(closet):
    pairings = pairings_for(garment=closet[taxonomy.TOPS][0])
    assert "Women" in pairings.genders and "Men" not in pairings.genders
    assert pairings.inventory and all(m.item.gender != "Men" for m in pairings.inventory)


def test_shop_items_are_never_the_garments_category_or_beauty(closet):
    pairings = pairings_for(garment=closet[taxonomy.BOTTOMS][0])
    assert {m.item.category for m in pairings.inventory}.isdisjoint({taxonomy.BOTTOMS, taxonomy.BEAUTY})


def test_a_shop_item_that_is_a_copy_of_an_owned_garment_is_left_out(alice, closet, shop):
    copy = shop["Women", taxonomy.SHOES][0]
    ready_garment(alice, np.frombuffer(bytes(copy.embedding), dtype="<f4"), category=taxonomy.SHOES, name="Same shoes")
    pairings = pairings_for(garment=closet[taxonomy.TOPS][0], k=40)
    assert copy.pk not in {m.item.pk for m in pairings.inventory}


def test_a_garment_left_other_is_paired_as_what_its_photo_shows(alice, closet):
    rng = np.random.default_rng(9)
    photo = ready_garment(alice, place("Women", taxonomy.TOPS, rng), category=taxonomy.OTHER, name="IMG 0001")
    pairings = pairings_for(garment=photo)
    assert pairings.category == taxonomy.TOPS
    assert pairings.outfit is not None and pairings.closet
    assert all(m.item.category not in (taxonomy.TOPS, taxonomy.BEAUTY) for m in pairings.inventory)


def test_the_shop_fills_what_the_closet_lacks_first(alice, shop):
    rng = np.random.default_rng(7)
    top = ready_garment(alice, place("Women", taxonomy.TOPS, rng), category=taxonomy.TOPS)
    ready_garment(alice, place("Women", taxonomy.BOTTOMS, rng), category=taxonomy.BOTTOMS)
    pairings = pairings_for(garment=top)
    assert taxonomy.SLOT_SHOES in pairings.missing
    assert taxonomy.slot_for(pairings.inventory[0].item.category) in pairings.missing


def test_a_lone_garment_says_why_its_closet_part_is_empty(alice, shop):
    top = ready_garment(alice, place("Women", taxonomy.TOPS, np.random.default_rng(8)), category=taxonomy.TOPS)
    pairings = pairings_for(garment=top)
    assert pairings.closet == [] and pairings.closet_message
    assert pairings.inventory


def test_the_page_names_the_outfit_and_what_the_shop_adds(alice_client, closet):
    top = closet[taxonomy.TOPS][0]
    html = alice_client.get(f"/closet/{top.pk}/style/").content.decode()
    assert "An outfit from your closet" in html
    assert "Men " not in html.split("data-style-shop", 1)[1]


def test_the_api_returns_the_outfit_the_gender_filter_and_the_missing_slots(alice_client, closet):
    top = closet[taxonomy.TOPS][0]
    body = alice_client.get(f"/api/garments/{top.pk}/pairings/").json()
    assert {pick["slot"] for pick in body["outfit"]} >= {taxonomy.SLOT_BOTTOM, taxonomy.SLOT_SHOES}
    assert "Men" not in body["genders"] and body["category"] == taxonomy.TOPS
    assert all(item["item"]["gender"] != "Men" for item in body["inventory"])


def test_another_users_garment_cannot_be_styled(client, bob, closet):
    client.force_login(bob)
    top = closet[taxonomy.TOPS][0]
    assert client.get(f"/api/garments/{top.pk}/pairings/").status_code == 404
    assert client.get(f"/closet/{top.pk}/style/").status_code == 404
