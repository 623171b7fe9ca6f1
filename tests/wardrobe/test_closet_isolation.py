"""Alice owns an outfit, a wear and a plan; Bob is another user; charlie is anonymous. Bob gets 404 on every page and
API route of Alice's objects, exactly as for objects that do not exist, and changes nothing."""
import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import PASSWORD, GarmentFactory, OutfitFactory, WearFactory
from wardrobe import wears
from wardrobe.models import Outfit, Plan, Wear

OUTFIT_PAGES = [
    ("get", "wardrobe:outfit-detail"), ("get", "wardrobe:outfit-edit"), ("post", "wardrobe:outfit-edit"),
    ("get", "wardrobe:outfit-delete"), ("post", "wardrobe:outfit-delete"), ("get", "wardrobe:outfit-cover"),
]
OUTFIT_API = [("get", "api-outfit-detail"), ("patch", "api-outfit-detail"), ("delete", "api-outfit-detail"), ("get", "api-outfit-cover")]
LIST_PAGES = ["wardrobe:outfit-list", "wardrobe:outfit-create", "wardrobe:outfit-suggest", "wardrobe:calendar", "wardrobe:insights"]


@pytest.fixture
def alices(alice):
    garment = GarmentFactory(owner=alice, name="Alice's tee")
    outfit = OutfitFactory(owner=alice, garments=[garment], name="Alice's outfit")
    wear = WearFactory(owner=alice, outfit=outfit)
    plan = wears.plan_create(owner=alice, date=wears.today() + datetime.timedelta(days=2), outfit=outfit)
    return {"garment": garment, "outfit": outfit, "wear": wear, "plan": plan}


@pytest.fixture
def bob_client(client, bob):
    client.login(username="bob", password=PASSWORD)
    return client


@pytest.fixture
def bob_api(bob):
    api = APIClient()
    api.force_authenticate(bob)
    return api


def _untouched(alices):
    assert Outfit.objects.filter(pk=alices["outfit"].pk, name="Alice's outfit").exists()
    assert Wear.objects.filter(pk=alices["wear"].pk).exists() and Plan.objects.filter(pk=alices["plan"].pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method, route", OUTFIT_PAGES)
def test_bob_gets_404_on_every_page_of_alices_outfit(bob_client, alices, method, route):
    response = getattr(bob_client, method)(reverse(route, args=[alices["outfit"].pk]), {"name": "stolen", "garment": [alices["garment"].pk]})
    assert response.status_code == 404
    _untouched(alices)


@pytest.mark.django_db
@pytest.mark.parametrize("route, key", [("wardrobe:wear-delete", "wear"), ("wardrobe:plan-delete", "plan"), ("wardrobe:plan-worn", "plan")])
def test_bob_gets_404_undoing_alices_wears_and_plans(bob_client, alices, route, key):
    assert bob_client.post(reverse(route, args=[alices[key].pk])).status_code == 404
    _untouched(alices)


@pytest.mark.django_db
@pytest.mark.parametrize("field, key", [("garment", "garment"), ("outfit", "outfit")])
def test_bob_gets_404_logging_alices_things_as_worn(bob_client, alices, field, key):
    assert bob_client.post(reverse("wardrobe:wear-log"), {field: alices[key].pk}).status_code == 404
    assert not Wear.objects.filter(owner__username="bob").exists()


@pytest.mark.django_db
def test_bob_gets_404_planning_alices_outfit(bob_client, alices):
    response = bob_client.post(reverse("wardrobe:plan-create"), {"outfit": alices["outfit"].pk, "date": wears.today().isoformat()})
    assert response.status_code == 404


@pytest.mark.django_db
def test_bob_cannot_save_an_outfit_of_alices_garment(bob_client, alices):
    response = bob_client.post(reverse("wardrobe:outfit-create"), {"garment": [alices["garment"].pk], "name": "stolen"})
    assert response.status_code == 400
    assert not Outfit.objects.filter(owner__username="bob").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("route", LIST_PAGES)
def test_bobs_pages_show_nothing_of_alices(bob_client, alices, route):
    response = bob_client.get(reverse(route))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice&#x27;s" not in html and "Alice's" not in html


@pytest.mark.django_db
def test_bobs_day_view_shows_nothing_of_alices(bob_client, alices):
    html = bob_client.get(reverse("wardrobe:calendar-day", args=[wears.today().isoformat()])).content.decode()
    assert "Alice&#x27;s" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("method, route", OUTFIT_API)
def test_bob_gets_404_on_every_api_route_of_alices_outfit(bob_api, alices, method, route):
    response = getattr(bob_api, method)(reverse(route, args=[alices["outfit"].pk]), {"name": "stolen"}, format="json")
    assert response.status_code == 404
    _untouched(alices)


@pytest.mark.django_db
@pytest.mark.parametrize("method, route, key", [
    ("get", "api-wear-detail", "wear"), ("delete", "api-wear-detail", "wear"), ("delete", "api-plan-detail", "plan"),
])
def test_bob_gets_404_on_alices_wears_and_plans_in_the_api(bob_api, alices, method, route, key):
    assert getattr(bob_api, method)(reverse(route, args=[alices[key].pk])).status_code == 404
    _untouched(alices)


@pytest.mark.django_db
@pytest.mark.parametrize("route, body", [
    ("api-wear-list", {"outfit": "outfit"}), ("api-wear-list", {"garment": "garment"}), ("api-plan-list", {"outfit": "outfit"}),
])
def test_bob_gets_404_logging_or_planning_alices_things_in_the_api(bob_api, alices, route, body):
    payload = {k: alices[v].pk for k, v in body.items()}
    payload["date"] = wears.today().isoformat()
    assert bob_api.post(reverse(route), payload, format="json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["api-outfit-list", "api-wear-list", "api-plan-list"])
def test_bobs_api_lists_are_empty(bob_api, alices, route):
    assert bob_api.get(reverse(route)).json() == []


@pytest.mark.django_db
def test_bobs_calendar_and_insights_in_the_api_are_empty(bob_api, alices):
    assert bob_api.get(reverse("api-calendar")).json()["days"] == []
    assert bob_api.get(reverse("api-insights")).json()["garments"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("route", LIST_PAGES)
def test_charlie_is_sent_to_log_in(client, route):
    response = client.get(reverse(route))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["api-outfit-list", "api-wear-list", "api-plan-list", "api-calendar", "api-insights"])
def test_charlie_is_refused_by_the_api(route):
    assert APIClient().get(reverse(route)).status_code in (401, 403)
