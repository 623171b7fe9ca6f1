"""Alice owns a garment; Bob is another user; charlie is anonymous. Bob must get 404 on every route of Alice's
garment, exactly as for a garment that does not exist, and anonymous callers are sent to log in."""
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD, GarmentFactory
from wardrobe.models import Garment

PAGE_ROUTES = [
    ("get", "wardrobe:garment-detail", []),
    ("get", "wardrobe:garment-edit", []),
    ("post", "wardrobe:garment-edit", []),
    ("get", "wardrobe:garment-delete", []),
    ("post", "wardrobe:garment-delete", []),
    ("get", "wardrobe:garment-image", ["full"]),
    ("get", "wardrobe:garment-image", ["thumb"]),
]
API_ROUTES = [
    ("get", "api-garment-detail"),
    ("patch", "api-garment-detail"),
    ("delete", "api-garment-detail"),
    ("get", "api-garment-image"),
    ("get", "api-garment-thumbnail"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, extra", PAGE_ROUTES)
def test_bob_gets_404_on_every_page_of_alices_garment(client, bob, alices_garment, method, route, extra):
    client.login(username="bob", password=PASSWORD)
    response = getattr(client, method)(reverse(route, args=[alices_garment.pk, *extra]), {"name": "stolen"})
    assert response.status_code == 404
    alices_garment.refresh_from_db()
    assert alices_garment.name == "Blue linen shirt"


@pytest.mark.django_db
@pytest.mark.parametrize("method, route", API_ROUTES)
def test_bob_gets_404_on_every_api_route_of_alices_garment(bob, alices_garment, method, route):
    api = APIClient()
    api.force_authenticate(bob)
    response = getattr(api, method)(reverse(route, args=[alices_garment.pk]), {"name": "stolen"}, format="json")
    assert response.status_code == 404
    assert Garment.objects.filter(pk=alices_garment.pk, name="Blue linen shirt").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, extra", PAGE_ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, alices_garment, method, route, extra):
    response = getattr(client, method)(reverse(route, args=[alices_garment.pk, *extra]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_anonymous_api_callers_are_refused(alices_garment):
    assert APIClient().get(reverse("api-garment-detail", args=[alices_garment.pk])).status_code in (401, 403)


@pytest.mark.django_db
def test_bobs_closet_and_api_list_show_only_his_garments(client, bob, alices_garment):
    GarmentFactory(owner=bob, name="Bob's hoodie")
    client.login(username="bob", password=PASSWORD)
    page = client.get(reverse("wardrobe:closet")).content.decode()
    assert "Bob&#x27;s hoodie" in page and "Blue linen shirt" not in page
    api = APIClient()
    api.force_authenticate(bob)
    assert [g["name"] for g in api.get("/api/garments/").json()["results"]] == ["Bob's hoodie"]


@pytest.mark.django_db
def test_the_state_endpoint_does_not_reveal_other_users_garments(client, bob, alices_garment):
    client.login(username="bob", password=PASSWORD)
    response = client.get(reverse("wardrobe:live-states"), {"ids": str(alices_garment.pk)})
    assert response.json() == {"garments": {}, "busy": False}


@pytest.mark.django_db
def test_alice_sees_her_own_photo(alice_client, alices_garment):
    response = alice_client.get(reverse("wardrobe:garment-image", args=[alices_garment.pk, "thumb"]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
