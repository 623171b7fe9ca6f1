"""For you asks instead of guessing (issue 13): stated preferences are the defaults, the closet's photos fill only
what was not said, and the page and the API say what was applied and why. Real index, real database."""
from decimal import Decimal

import pytest

from accounts.preferences import preferences_set
from recommender import services
from recommender.selectors import RecommendationFilters, recommendations_for
from tests.factories import InventoryItemFactory
from tests.recommender.recs_fixtures import ready_garment
from tests.recommender.test_closet_traits import AXIS, near
from wardrobe import taxonomy

pytestmark = pytest.mark.django_db

SIZES = (["S", "M"], ["L"], ["39", "40"], [])
OCCASIONS = ("Casual", "Formal", "Sports")


@pytest.fixture
def inventory():
    """60 items per gender around its own direction (the gender probe learns it), with sizes, prices, occasions."""
    for seed, gender in enumerate(AXIS):
        for i, v in enumerate(near(gender, 60, seed=seed)):
            InventoryItemFactory(vector=v, gender=gender, sizes=SIZES[i % 4], price=Decimal(10 + 5 * (i % 20)),
                                 usage=OCCASIONS[i % 3], currency="EUR",
                                 category=taxonomy.BAGS if i % 4 == 3 else taxonomy.TOPS)
    services.rebuild_index(force=True)


def closet(owner, gender: str, n: int = 10, *, seed: int = 11):
    return [ready_garment(owner, v, name=f"{gender} {i}") for i, v in enumerate(near(gender, n, seed=seed, noise=0.1))]


def mixed_closet(owner):
    """Half men's, half women's: the photos cannot say whose closet it is."""
    return closet(owner, "Men", 5, seed=3) + closet(owner, "Women", 5, seed=4)


def test_whom_you_shop_for_beats_what_the_photos_say(alice, inventory):
    closet(alice, "Men")
    preferences_set(user=alice, shop_for="Women")
    page = recommendations_for(user=alice, seed=1)
    assert {c.item.gender for c in page.cards} <= {"Women", "Unisex"}
    assert page.gender_source == "profile" and page.closet_genders is None


def test_stated_sizes_keep_items_in_them_or_without_sizes(alice, inventory):
    closet(alice, "Women")
    preferences_set(user=alice, clothing_size="M", shoe_size="39")
    page = recommendations_for(user=alice, seed=1)
    assert page.cards
    assert all(not c.item.sizes or {"M", "39"} & set(c.item.sizes) for c in page.cards)
    assert any(not c.item.sizes for c in page.cards)  # bags stay
    assert [a.value for a in page.applied if a.name == "size"] == ["M, EU 39"]


def test_a_stated_budget_and_occasions_narrow_the_list(alice, inventory):
    closet(alice, "Women")
    preferences_set(user=alice, budget_min=Decimal("20"), budget_max=Decimal("60"), occasions=["formal"])
    page = recommendations_for(user=alice, seed=1)
    assert page.cards
    assert all(20 <= c.item.price <= 60 and c.item.usage == "Formal" for c in page.cards)
    assert {a.name: a.source for a in page.applied} == {"gender": "closet", "budget": "profile",
                                                        "occasion": "profile"}


def test_the_pages_own_filter_wins_over_the_stated_one(alice, inventory):
    closet(alice, "Women")
    preferences_set(user=alice, shop_for="Women")
    page = recommendations_for(user=alice, seed=1, filters=RecommendationFilters(gender="Men"))
    assert {c.item.gender for c in page.cards} <= {"Men", "Unisex"}
    assert page.gender_source == "filter"


def test_a_closet_the_photos_cannot_read_is_asked_not_silently_narrowed(alice, alice_client, inventory):
    mixed_closet(alice)
    page = recommendations_for(user=alice, seed=1)
    assert page.ask_shop_for and page.gender_source == "unsure"
    html = alice_client.get("/for-you/").content.decode()
    assert "Whom do you shop for?" in html and "data-ask-shop-for" in html


def test_one_click_answers_the_question_and_the_next_list_uses_it(alice, alice_client, inventory):
    mixed_closet(alice)
    response = alice_client.post("/for-you/shop-for/", {"shop_for": "Women", "next": "/for-you/"})
    assert response.status_code == 302 and response["Location"] == "/for-you/"
    page = recommendations_for(user=alice, seed=1)
    assert not page.ask_shop_for and page.gender_source == "profile"
    assert {c.item.gender for c in page.cards} <= {"Women", "Unisex"}


def test_a_wrong_answer_is_refused_and_changes_nothing(alice, alice_client, inventory):
    mixed_closet(alice)
    alice_client.post("/for-you/shop-for/", {"shop_for": "Aliens"})
    assert recommendations_for(user=alice, seed=1).ask_shop_for


def test_a_new_user_who_stated_preferences_gets_a_starter_set_that_fits(alice, inventory):
    preferences_set(user=alice, shop_for="Men", budget_max=Decimal("40"))
    page = recommendations_for(user=alice, seed=1)
    assert page.state == "onboarding" and page.cards
    assert all(c.item.gender in ("Men", "Unisex") and c.item.price <= 40 for c in page.cards)


def test_the_api_names_each_applied_filter_and_its_source(alice, alice_client, inventory):
    closet(alice, "Women")
    preferences_set(user=alice, clothing_size="M", occasions=["casual", "sports"])
    body = alice_client.get("/api/recommendations/", {"max_price": "50"}).json()
    applied = {a["name"]: (a["value"], a["source"]) for a in body["applied_filters"]}
    assert applied == {"gender": ("Women, Unisex", "closet"), "size": ("M", "profile"),
                       "budget": ("up to 50", "filter"), "occasion": ("Casual, Sports", "profile")}
    assert body["ask_shop_for"] is False


def test_one_users_preferences_never_change_another_users_list(alice, bob, inventory):
    closet(alice, "Women")
    before = [c.item.pk for c in recommendations_for(user=alice, seed=2).cards]
    preferences_set(user=bob, shop_for="Men", budget_max=Decimal("15"))
    assert [c.item.pk for c in recommendations_for(user=alice, seed=2).cards] == before
