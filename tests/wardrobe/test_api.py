import pytest
from rest_framework.test import APIClient

from tests.factories import GarmentFactory, upload

pytestmark = pytest.mark.django_db


def test_registering_returns_a_token_that_authenticates():
    response = APIClient().post("/api/auth/register/", {"username": "zoe", "password": "walk-in-wardrobe-2024"}, format="json")
    assert response.status_code == 201
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/garments/").status_code == 200


def test_registering_with_a_weak_password_is_refused():
    response = APIClient().post("/api/auth/register/", {"username": "zoe", "password": "123"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_registering_a_taken_username_is_refused(alice):
    response = APIClient().post("/api/auth/register/", {"username": "alice", "password": "walk-in-wardrobe-2024"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()


def test_the_token_endpoint_exchanges_credentials_for_a_token(alice):
    from tests.factories import PASSWORD

    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and response.json()["token"]


def test_uploading_through_the_api_creates_a_pending_garment(api):
    response = api.post("/api/garments/", {"image": upload(), "name": "Tee", "category": "tops", "colour": "red"}, format="multipart")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["category"], body["embedding_state"]) == ("Tee", "tops", "pending")
    assert api.get(body["image_url"]).status_code == 200


def test_the_list_filters_and_paginates(api, alice):
    GarmentFactory(owner=alice, name="Red tee", category="tops", colour="red")
    GarmentFactory(owner=alice, name="Black jeans", category="bottoms", colour="black")
    assert [g["name"] for g in api.get("/api/garments/", {"category": "bottoms"}).json()["results"]] == ["Black jeans"]
    assert [g["name"] for g in api.get("/api/garments/", {"q": "tee"}).json()["results"]] == ["Red tee"]
    page = api.get("/api/garments/", {"page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_an_unknown_filter_value_is_a_400(api):
    assert api.get("/api/garments/", {"category": "spacesuits"}).status_code == 400


def test_patching_changes_only_the_given_fields(api, alices_garment):
    response = api.patch(f"/api/garments/{alices_garment.pk}/", {"size": "L"}, format="json")
    assert response.status_code == 200
    assert (response.json()["size"], response.json()["name"]) == ("L", "Blue linen shirt")


def test_deleting_through_the_api_removes_the_garment(api, alices_garment):
    assert api.delete(f"/api/garments/{alices_garment.pk}/").status_code == 204
    assert api.get(f"/api/garments/{alices_garment.pk}/").status_code == 404


def test_the_openapi_schema_is_served(api):
    response = api.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/garments/" in response.content
