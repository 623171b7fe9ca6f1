"""The API against its own OpenAPI schema, and query parameters that reach the database (issue 17). `make fuzz` runs
schemathesis over the whole schema against a live server; these pin the defects it was written for."""
import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory(username="alice"))
    return client


@pytest.fixture
def schema(api):
    return api.get("/api/schema/", HTTP_ACCEPT="application/json").json()


def _component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _documented(schema, path: str, method: str, code: str) -> dict:
    body = schema["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    return _component(schema, body["$ref"])


def test_a_nul_byte_in_the_feedback_kind_filter_is_a_400_not_a_500(api):
    response = api.get("/api/feedback/", {"kind": "\x00"})
    assert response.status_code == 400
    assert "kind" in response.json()


def test_an_unknown_feedback_kind_filter_is_a_400(api):
    assert api.get("/api/feedback/", {"kind": "loved"}).status_code == 400


def test_a_known_feedback_kind_filter_still_filters(api):
    assert api.get("/api/feedback/", {"kind": "like"}).json() == []


def test_the_schema_documents_the_garment_list_as_the_page_it_returns(api, schema):
    documented = _documented(schema, "/api/garments/", "get", "200")
    returned = api.get("/api/garments/").json()
    assert documented.get("type") == "object"
    assert set(documented["required"]) == set(returned) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize(
    "files",
    [
        pytest.param([upload("bad.jpg", b"not an image")], id="no photo kept"),
        pytest.param([], id="no photo sent"),
        pytest.param([upload(f"p{i}.jpg", b"x") for i in range(101)], id="more files than Django parses"),
    ],
)
def test_every_batch_400_body_has_only_the_documented_fields(api, schema, files):
    response = api.post("/api/garments/batch/", {"images": files}, format="multipart")
    assert response.status_code == 400
    documented = _documented(schema, "/api/garments/batch/", "post", "400")
    assert set(response.json()) <= set(documented["properties"])
    assert not set(documented.get("required", [])) - set(response.json())
