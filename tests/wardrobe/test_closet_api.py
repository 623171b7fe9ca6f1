"""The outfit, wear, plan, calendar and insights API."""
import datetime
from decimal import Decimal

import pytest

from tests.factories import GarmentFactory, OutfitFactory, WearFactory
from wardrobe import wears

pytestmark = pytest.mark.django_db


@pytest.fixture
def closet(alice):
    return [GarmentFactory(owner=alice, name="Tee", category="tops"), GarmentFactory(owner=alice, name="Jeans", category="bottoms")]


def test_creating_an_outfit_returns_its_items_and_cover(api, closet):
    response = api.post("/api/outfits/", {"name": "Casual", "garment_ids": [g.pk for g in closet], "occasion": "casual"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert [(i["name"], i["slot"]) for i in body["items"]] == [("Tee", "top"), ("Jeans", "bottom")]
    assert api.get(body["cover_url"]).status_code == 200


def test_an_outfit_of_someone_elses_garment_is_a_400(api, bob):
    response = api.post("/api/outfits/", {"garment_ids": [GarmentFactory(owner=bob).pk]}, format="json")
    assert response.status_code == 400 and "garment_ids" in response.json()


def test_the_outfit_list_and_detail(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet, name="Mine")
    assert [o["name"] for o in api.get("/api/outfits/").json()] == ["Mine"]
    assert api.get(f"/api/outfits/{outfit.pk}/").json()["id"] == outfit.pk


def test_patching_an_outfit_reorders_it(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    response = api.patch(f"/api/outfits/{outfit.pk}/", {"garment_ids": [closet[1].pk, closet[0].pk], "name": "Flipped"}, format="json")
    assert response.status_code == 200
    assert [i["garment"] for i in response.json()["items"]] == [closet[1].pk, closet[0].pk]


def test_deleting_an_outfit(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    assert api.delete(f"/api/outfits/{outfit.pk}/").status_code == 204
    assert api.get(f"/api/outfits/{outfit.pk}/").status_code == 404


def test_a_removed_garment_shows_in_the_outfit(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    api.delete(f"/api/garments/{closet[1].pk}/")
    items = api.get(f"/api/outfits/{outfit.pk}/").json()["items"]
    assert [(i["name"], i["removed"], i["garment"]) for i in items][1] == ("Jeans", True, None)


def test_logging_a_wear_defaults_to_today(api, closet):
    response = api.post("/api/wears/", {"garment": closet[0].pk}, format="json")
    assert response.status_code == 201
    assert response.json()["date"] == wears.today().isoformat()


def test_logging_an_outfit_records_its_garments(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    body = api.post("/api/wears/", {"outfit": outfit.pk, "date": "2026-01-05"}, format="json").json()
    assert sorted(body["garments"]) == sorted(g.pk for g in closet)


def test_a_future_wear_is_a_400(api, closet):
    tomorrow = wears.today() + datetime.timedelta(days=1)
    assert api.post("/api/wears/", {"garment": closet[0].pk, "date": tomorrow.isoformat()}, format="json").status_code == 400


def test_wears_are_listed_by_date_range(api, alice, closet):
    for day in ("2026-01-01", "2026-01-15", "2026-02-01"):
        WearFactory(owner=alice, garment=closet[0], date=datetime.date.fromisoformat(day))
    body = api.get("/api/wears/", {"start": "2026-01-10", "end": "2026-01-31"}).json()
    assert [w["date"] for w in body] == ["2026-01-15"]


def test_undoing_a_wear(api, alice, closet):
    wear = WearFactory(owner=alice, garment=closet[0])
    assert api.delete(f"/api/wears/{wear.pk}/").status_code == 204
    assert api.get("/api/wears/").json() == []


def test_planning_an_outfit_and_the_calendar(api, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    today = wears.today()
    WearFactory(owner=alice, garment=closet[0], date=today)
    assert api.post("/api/plans/", {"outfit": outfit.pk, "date": today.isoformat()}, format="json").status_code == 201
    body = api.get("/api/calendar/", {"month": today.strftime("%Y-%m")}).json()
    [day] = body["days"]
    assert day["date"] == today.isoformat() and len(day["wears"]) == 1 and day["plans"][0]["outfit"] == outfit.pk


def test_a_bad_month_is_a_400(api):
    assert api.get("/api/calendar/", {"month": "November"}).status_code == 400


def test_insights_give_every_number(api, alice):
    coat = GarmentFactory(owner=alice, price_paid=Decimal("90.00"), category="outerwear", colour="black")
    WearFactory(owner=alice, garment=coat)
    WearFactory(owner=alice, garment=coat)
    body = api.get("/api/insights/").json()
    [g] = body["garments"]
    assert (g["wears"], g["cost_per_wear"], g["price_paid"]) == (2, "45.00", "90.00")
    assert body["closet_value"] == "90.00" and body["most_worn"] == [coat.pk]
    assert body["by_category"] == [{"category": "outerwear", "label": "Outerwear", "count": 1}]
    assert body["wears_per_month"][-1]["wears"] == 2


def test_the_schema_documents_the_closet_routes(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for route in ("/api/outfits/", "/api/outfits/{id}/", "/api/wears/", "/api/wears/{id}/", "/api/calendar/", "/api/insights/", "/api/plans/"):
        assert route in paths
