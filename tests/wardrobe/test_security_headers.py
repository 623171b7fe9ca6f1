"""Every page carries a Content-Security-Policy with no inline code allowed, and none of our pages needs any; a signed-in
user's pages are marked private and not stored; production shows branded 404 and 500 pages."""
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from recommender import services as rec_services
from recommender.models import Feedback
from recommender.services.feedback import feedback_set
from tests.factories import PASSWORD, GarmentFactory, InventoryItemFactory, UserFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"""\sstyle=["']""", re.I)
INLINE_HANDLER = re.compile(r"""\son[a-z]+=["']""", re.I)


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_no_inline_code(response) -> None:
    html = response.content.decode()
    assert INLINE_SCRIPT.findall(html) == []
    assert INLINE_STYLE.findall(html) == []
    assert INLINE_HANDLER.findall(html) == []


@pytest.fixture
def staff_client(client):
    UserFactory(username="curator", is_staff=True, is_superuser=True)
    client.login(username="curator", password=PASSWORD)
    return client


def test_the_landing_page_has_a_policy_that_allows_no_inline_scripts(client):
    policy = directives(client.get(reverse("wardrobe:home")))
    assert policy["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in policy["style-src"] and policy["object-src"] == "object-src 'none'"


def test_the_login_page_has_the_policy(client):
    assert "frame-ancestors 'none'" in client.get(reverse("login"))["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["wardrobe:home", "login", "signup", "password_reset"])
def test_public_pages_have_no_inline_code(client, name):
    assert_no_inline_code(client.get(reverse(name)))


@pytest.mark.parametrize("name", ["wardrobe:closet", "wardrobe:garment-upload", "recommender:for-you", "recommender:liked", "recommender:similar", "profile"])
def test_signed_in_pages_have_no_inline_code(alice_client, alices_garment, name):
    response = alice_client.get(reverse(name))
    assert response.status_code == 200
    assert_no_inline_code(response)


def test_the_garment_page_has_no_inline_code(alice_client, alices_garment):
    assert_no_inline_code(alice_client.get(reverse("wardrobe:garment-detail", args=[alices_garment.pk])))


def test_the_import_jobs_admin_page_has_no_inline_script(staff_client):
    from tests.recommender.test_admin_curation import styles_csv, styles_row

    job = rec_services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    response = staff_client.get(reverse("admin:recommender_importjob_change", args=[job.pk]))
    assert response.status_code == 200
    assert_no_inline_code(response)
    assert "js/import-progress.js" in response.content.decode()


@pytest.mark.parametrize("url", ["admin:recommender_index_state", "admin:recommender_inventoryitem_changelist", "admin:wardrobe_garment_changelist"])
def test_the_admin_lists_have_no_inline_code(staff_client, url):
    InventoryItemFactory()
    GarmentFactory()
    assert_no_inline_code(staff_client.get(reverse(url)))


def test_the_api_docs_page_has_no_inline_script(alice_client):
    response = alice_client.get("/api/docs/")
    assert response.status_code == 200
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def test_the_api_docs_init_script_is_served_as_a_file(alice_client):
    response = alice_client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()
    assert "javascript" in response["Content-Type"]


def test_a_signed_in_page_is_private_and_not_stored(alice_client):
    cache_control = alice_client.get(reverse("wardrobe:closet"))["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


def test_the_signed_in_api_is_private_and_not_stored(alice_client):
    assert "private" in alice_client.get("/api/garments/")["Cache-Control"]


def test_a_closet_photo_keeps_its_own_private_caching(alice_client, alices_garment):
    response = alice_client.get(reverse("wardrobe:garment-image", args=[alices_garment.pk, "thumb"]))
    assert response["Cache-Control"] == "private, max-age=86400"


def test_a_public_page_for_a_visitor_is_not_marked_private(client):
    assert "private" not in client.get(reverse("wardrobe:home")).get("Cache-Control", "")


def test_a_retired_item_clicked_on_the_liked_page_shows_the_branded_404(alice_client, alice, settings):
    item = InventoryItemFactory(name="Old blue shirt")
    feedback_set(user=alice, item_id=item.pk, kind=Feedback.Kind.LIKE)
    rec_services.set_active(item_ids=[item.pk], active=False)
    settings.DEBUG = False
    liked = alice_client.get(reverse("recommender:liked")).content.decode()
    link = reverse("recommender:similar-item", args=[item.pk])
    assert link in liked
    response = alice_client.get(link)
    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="brand"' in page and "no longer available" in page and reverse("recommender:for-you") in page


def test_an_unknown_address_in_production_shows_the_branded_404(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "We can't find that page" in response.content.decode()


def test_the_production_500_page_is_branded_and_needs_no_context(settings):
    settings.DEBUG = False
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500 and 'class="brand"' in page and "Something went wrong" in page
