import re

import pytest


@pytest.mark.django_db
def test_api_docs_page_loads_its_scripts_from_this_site_not_a_cdn(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("docs-reader", password="x-long-password-1"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert external == []


@pytest.mark.django_db
def test_openapi_schema_documents_the_garment_and_recommendation_routes(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("schema-reader", password="x-long-password-1"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for route in ("/api/garments/", "/api/auth/register/", "/api/recommendations/", "/api/similar/"):
        assert route in paths
