"""Category and colour suggestions for a closet garment from its nearest labelled shop items, and their endpoint."""
import numpy as np
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommender import services
from recommender.autotag import suggest_for_garment
from tests.factories import GarmentFactory, InventoryItemFactory, UserFactory
from tests.recommender.recs_fixtures import DIM, random_units, ready_garment, unit
from wardrobe import taxonomy

pytestmark = pytest.mark.django_db

SHOES_AT = unit(np.eye(DIM)[0])
TOPS_AT = unit(np.eye(DIM)[1])


def near(centre, n: int, *, seed: int, noise: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([unit(centre + noise * rng.normal(size=DIM)) for _ in range(n)])


def shoe(vector, *, base_colour: str = "Black"):
    return InventoryItemFactory(
        vector=vector, master_category="Footwear", sub_category="Shoes", article_type="Casual Shoes",
        category=taxonomy.SHOES, base_colour=base_colour, colour=taxonomy.colour_for(base_colour),
    )


def top(vector, *, base_colour: str = "White"):
    return InventoryItemFactory(
        vector=vector, master_category="Apparel", sub_category="Topwear", article_type="Tshirts",
        category=taxonomy.TOPS, base_colour=base_colour, colour=taxonomy.colour_for(base_colour),
    )


@pytest.fixture
def inventory():
    """12 shoes around one direction (8 navy, 4 white, interleaved), 12 white tops around another, 30 elsewhere."""
    items = [shoe(v, base_colour="White" if i % 3 == 2 else "Navy Blue") for i, v in enumerate(near(SHOES_AT, 12, seed=1))]
    items += [top(v) for v in near(TOPS_AT, 12, seed=2)]
    far = [v for v in random_units(60, seed=3) if abs(v[0]) < 0.5 and abs(v[1]) < 0.5][:30]
    items += [top(v, base_colour="Red") for v in far]
    services.rebuild_index(force=True)
    return items


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def suggestions_url(garment) -> str:
    return reverse("api-garment-suggestions", args=[garment.pk])


def test_a_garment_among_shoes_is_suggested_the_shoes_category(inventory, alice):
    garment = ready_garment(alice, near(SHOES_AT, 1, seed=9)[0], category=taxonomy.OTHER)

    suggestion = suggest_for_garment(garment=garment)

    assert suggestion.category.value == taxonomy.SHOES
    assert suggestion.category.confidence > 0.5


def test_the_suggested_colour_is_the_majority_of_the_neighbours_mapped_to_the_closet_colours(inventory, alice):
    garment = ready_garment(alice, near(SHOES_AT, 1, seed=9)[0])

    suggestion = suggest_for_garment(garment=garment)

    assert suggestion.colour.value == "navy"
    assert 0.5 < suggestion.colour.confidence < 1.0


def test_a_garment_among_tops_is_suggested_tops(inventory, alice):
    garment = ready_garment(alice, near(TOPS_AT, 1, seed=9)[0])

    assert suggest_for_garment(garment=garment).category.value == taxonomy.TOPS


def test_the_endpoint_returns_value_label_and_confidence_per_field(inventory, alice):
    garment = ready_garment(alice, near(SHOES_AT, 1, seed=9)[0])

    response = api_as(alice).get(suggestions_url(garment))

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "ready"
    assert body["category"]["value"] == "shoes" and body["category"]["label"] == "Shoes"
    assert body["colour"]["value"] == "navy" and body["colour"]["label"] == "Navy"
    assert 0 < body["category"]["confidence"] <= 1


def test_another_users_garment_is_not_found(inventory, alice):
    garment = ready_garment(UserFactory(username="bob"), near(SHOES_AT, 1, seed=9)[0])

    assert api_as(alice).get(suggestions_url(garment)).status_code == 404


def test_an_anonymous_request_is_refused(inventory, alice):
    garment = ready_garment(alice, near(SHOES_AT, 1, seed=9)[0])

    assert APIClient().get(suggestions_url(garment)).status_code in (401, 403)


def test_a_garment_still_being_analysed_answers_pending(inventory, alice):
    garment = GarmentFactory(owner=alice)

    response = api_as(alice).get(suggestions_url(garment))

    assert response.status_code == 200
    assert response.json() == {"state": "pending"}


def test_without_an_index_there_is_no_suggestion_and_no_error(alice):
    garment = ready_garment(alice, near(SHOES_AT, 1, seed=9)[0])

    assert suggest_for_garment(garment=garment) is None
    response = api_as(alice).get(suggestions_url(garment))
    assert response.status_code == 200
    assert response.json() == {"state": "unavailable"}


def test_a_garment_embedded_by_another_model_version_gets_no_suggestion(inventory, alice):
    garment = GarmentFactory(owner=alice)
    garment.mark_processing()
    garment.mark_ready(np.asarray(near(SHOES_AT, 1, seed=9)[0], dtype="<f4").tobytes(), "older-model-v0")

    assert suggest_for_garment(garment=garment) is None


def test_a_failed_garment_answers_unavailable(inventory, alice):
    garment = GarmentFactory(owner=alice)
    garment.mark_failed("unreadable photo")

    assert api_as(alice).get(suggestions_url(garment)).json() == {"state": "unavailable"}


def test_the_edit_page_points_its_script_at_the_garments_suggestions(alice, client):
    garment = GarmentFactory(owner=alice)
    client.force_login(alice)

    html = client.get(reverse("wardrobe:garment-edit", args=[garment.pk])).content.decode()

    assert f'data-suggestions-url="{suggestions_url(garment)}"' in html
    assert "js/suggest-tags.js" in html


def test_a_rejected_submission_does_not_overwrite_the_owners_choices_with_suggestions(alice, client):
    garment = GarmentFactory(owner=alice)
    client.force_login(alice)

    response = client.post(reverse("wardrobe:garment-edit", args=[garment.pk]), {"name": "", "category": "other"})

    assert response.status_code == 200
    assert "data-suggestions-url" not in response.content.decode()
