"""Shopping preferences: asked at sign-up and on the profile, over the API, in the export; every part optional."""
import io
import json
import zipfile
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ShoppingPreferences
from accounts.portability import account_export_bytes
from accounts.preferences import Preferences, preferences_of, preferences_set
from accounts.restore import account_restore
from tests.factories import PASSWORD
from tests.wardrobe.zips import make_zip

pytestmark = pytest.mark.django_db

PREFS_URL = "/api/account/preferences/"
SAMPLE = {
    "shop_for": "Women", "clothing_size": "M", "shoe_size": "39", "budget_min": Decimal("20"),
    "budget_max": Decimal("80.50"), "occasions": ["casual", "party"],
}
SAMPLE_JSON = {**SAMPLE, "budget_min": "20.00", "budget_max": "80.50"}
EMPTY_JSON = {
    "shop_for": "", "clothing_size": "", "shoe_size": "", "budget_min": None, "budget_max": None, "occasions": [],
}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def signup(client, username: str = "nina"):
    password = "walk-in-wardrobe-2024"
    form = {"username": username, "email": "", "password1": password, "password2": password}
    return client.post(reverse("signup"), form)


# The selector and the service


def test_saved_preferences_read_back_as_saved(alice):
    preferences_set(user=alice, **SAMPLE)
    assert preferences_of(user=alice) == Preferences(
        shop_for="Women", clothing_size="M", shoe_size="39", budget_min=Decimal("20.00"),
        budget_max=Decimal("80.50"), occasions=("casual", "party"),
    )


def test_an_account_that_saved_nothing_reads_as_empty_without_a_row_being_made(alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        preferences = preferences_of(user=alice)
    assert preferences.is_empty
    assert not ShoppingPreferences.objects.exists()


def test_saving_some_fields_keeps_the_others(alice):
    preferences_set(user=alice, **SAMPLE)
    preferences_set(user=alice, clothing_size="L")
    expected = Preferences(**{**SAMPLE, "clothing_size": "L", "occasions": ("casual", "party")})
    assert preferences_of(user=alice) == expected


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"shop_for": "Unisex"}, "shop_for", "not a valid choice"),
        ({"shop_for": "Cats"}, "shop_for", "not a valid choice"),
        ({"clothing_size": "XXXL"}, "clothing_size", "not a valid choice"),
        ({"shoe_size": "47"}, "shoe_size", "not a valid choice"),
        ({"budget_min": Decimal("-1")}, "budget_min", "below zero"),
        ({"budget_max": Decimal("-0.01")}, "budget_max", "below zero"),
        ({"budget_min": "lots"}, "budget_min", "decimal number"),
        ({"budget_min": Decimal("90"), "budget_max": Decimal("10")}, "budget_max", "below the least"),
        ({"occasions": ["picnic"]}, "occasions", "Unknown occasion 'picnic'"),
        ({"occasions": ["casual", "casual"]}, "occasions", "once"),
        ({"occasions": "casual"}, "occasions", "must be a list"),
    ],
    ids=["unisex", "unknown-person", "clothing-size", "shoe-size", "negative-min", "negative-max", "not-an-amount",
         "min-above-max", "unknown-occasion", "duplicate-occasion", "occasions-not-a-list"],
)
def test_every_invalid_value_is_refused_with_a_message_on_its_field_and_nothing_saved(alice, fields, field, message):
    with pytest.raises(ValidationError) as refused:
        preferences_set(user=alice, **fields)
    assert any(message in m for m in refused.value.message_dict[field]), refused.value.message_dict
    assert not ShoppingPreferences.objects.filter(user=alice).exists()


def test_a_refused_change_leaves_the_saved_preferences_as_they_were(alice):
    before = preferences_set(user=alice, **SAMPLE)
    with pytest.raises(ValidationError):
        preferences_set(user=alice, clothing_size="S", budget_min=Decimal("500"))
    assert preferences_of(user=alice) == before


def test_deleting_the_account_deletes_its_preferences(alice_client, alice):
    preferences_set(user=alice, **SAMPLE)
    alice_client.post(reverse("account-delete"), {"password": PASSWORD})
    assert not ShoppingPreferences.objects.exists()


# The pages


def test_signing_up_opens_the_preferences_step_before_the_upload_page(client):
    response = signup(client)
    location = urlsplit(response["Location"])
    assert location.path == reverse("preferences")
    assert parse_qs(location.query)["next"] == [reverse("wardrobe:garment-upload")]


def test_the_sign_up_step_asks_what_you_shop_for_and_offers_to_skip_to_the_upload_page(client):
    page = client.get(signup(client)["Location"])
    html = page.content.decode()
    assert "What do you shop for?" in html
    assert f'<a class="btn btn--block" href="{reverse("wardrobe:garment-upload")}">Skip for now</a>' in html


def test_skipping_the_sign_up_step_saves_nothing(client):
    client.get(signup(client)["Location"])
    assert client.get(reverse("wardrobe:garment-upload")).status_code == 200
    assert not ShoppingPreferences.objects.exists()


def test_saving_the_sign_up_step_saves_them_and_goes_on_to_the_upload_page(client):
    step = signup(client)["Location"]
    next_url = parse_qs(urlsplit(step).query)["next"][0]
    response = client.post(step, {"shop_for": "Men", "clothing_size": "L", "occasions": ["sports"], "next": next_url})
    assert response["Location"] == reverse("wardrobe:garment-upload")
    user = get_user_model().objects.get(username="nina")
    assert preferences_of(user=user) == Preferences(shop_for="Men", clothing_size="L", occasions=("sports",))


def test_the_page_offers_anyone_checked_until_told_and_not_unisex_as_a_person(alice_client):
    html = alice_client.get(reverse("preferences")).content.decode()
    assert '<input type="radio" name="shop_for" value="" id="id_shop_for_0" checked> Anyone' in html
    assert 'value="Girls"' in html and 'value="Unisex"' not in html


def test_the_profile_shows_the_saved_preferences_and_links_to_edit_them(alice_client, alice):
    preferences_set(user=alice, **SAMPLE)
    html = alice_client.get(reverse("profile")).content.decode()
    assert "Shopping preferences" in html
    assert "Women" in html and "EU 39" in html and "€20.00 to €80.50" in html and "Casual, Party" in html
    assert f'href="{reverse("preferences")}"' in html


def test_editing_from_the_profile_saves_and_returns_to_the_profile(alice_client, alice):
    response = alice_client.post(reverse("preferences"), {"shop_for": "Girls", "budget_max": "30"})
    assert response["Location"] == reverse("profile")
    assert preferences_of(user=alice) == Preferences(shop_for="Girls", budget_max=Decimal("30"))


def test_the_edit_page_shows_the_saved_answers(alice_client, alice):
    preferences_set(user=alice, shop_for="Boys", occasions=["travel"])
    html = alice_client.get(reverse("preferences")).content.decode()
    assert '<input type="radio" name="shop_for" value="Boys" id="id_shop_for_4" checked> Boys' in html
    assert 'name="occasions" value="travel" id="id_occasions_5" checked' in html


def test_an_invalid_answer_on_the_page_is_shown_on_its_field_and_nothing_is_saved(alice_client):
    response = alice_client.post(reverse("preferences"), {"budget_min": "90", "budget_max": "10"})
    html = response.content.decode()
    assert response.status_code == 400 and "Nothing was saved." in html
    assert 'aria-describedby="budget-help id_budget_max-error"' in html
    message = "The most you would spend (10) is below the least (90)."
    assert f'<div id="id_budget_max-error"><p class="error">{message}' in html
    assert not ShoppingPreferences.objects.exists()


def test_one_post_shows_every_problem_at_once(alice_client):
    response = alice_client.post(reverse("preferences"), {"shop_for": "Unisex", "budget_min": "90", "budget_max": "10"})
    html = response.content.decode()
    assert 'id="id_shop_for-error"' in html and 'id="id_budget_max-error"' in html


def test_a_next_pointing_at_another_site_is_ignored(alice_client):
    response = alice_client.post(reverse("preferences"), {"shop_for": "Men", "next": "https://evil.example/"})
    assert response["Location"] == reverse("profile")


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# The API


def test_the_api_reads_empty_preferences_for_an_account_that_saved_none(alice):
    assert api_for(alice).get(PREFS_URL).json() == EMPTY_JSON


def test_put_saves_them_and_get_reads_them_back(alice):
    api = api_for(alice)
    assert api.put(PREFS_URL, SAMPLE_JSON, format="json").json() == SAMPLE_JSON
    assert api.get(PREFS_URL).json() == SAMPLE_JSON


def test_put_replaces_them_clearing_what_it_leaves_out(alice):
    preferences_set(user=alice, **SAMPLE)
    body = api_for(alice).put(PREFS_URL, {"shoe_size": "42"}, format="json").json()
    assert body == {**EMPTY_JSON, "shoe_size": "42"}


def test_patch_changes_only_the_fields_it_sends(alice):
    preferences_set(user=alice, **SAMPLE)
    body = api_for(alice).patch(PREFS_URL, {"budget_max": None, "occasions": ["formal"]}, format="json").json()
    assert body == {**SAMPLE_JSON, "budget_max": None, "occasions": ["formal"]}


def test_patching_a_minimum_above_the_saved_maximum_is_refused(alice):
    preferences_set(user=alice, **SAMPLE)
    response = api_for(alice).patch(PREFS_URL, {"budget_min": "100"}, format="json")
    assert response.status_code == 400 and "budget_max" in response.json()
    assert preferences_of(user=alice).budget_min == Decimal("20")


@pytest.mark.parametrize(
    "body, field",
    [({"shop_for": "Unisex"}, "shop_for"), ({"shoe_size": "12"}, "shoe_size"), ({"budget_min": "-5"}, "budget_min"),
     ({"budget_min": "50", "budget_max": "5"}, "budget_max"), ({"occasions": ["casual", "casual"]}, "occasions"),
     ({"occasions": ["picnic"]}, "occasions")],
    ids=["unisex", "shoe-size", "negative", "min-above-max", "duplicate-occasion", "unknown-occasion"],
)
def test_the_api_refuses_an_invalid_value_with_its_field_error_and_saves_nothing(alice, body, field):
    response = api_for(alice).put(PREFS_URL, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not ShoppingPreferences.objects.exists()


def test_each_account_reads_and_writes_only_its_own_preferences(alice, bob, charlie):
    api_for(alice).put(PREFS_URL, SAMPLE_JSON, format="json")
    api_for(bob).patch(PREFS_URL, {"shop_for": "Boys"}, format="json")
    assert api_for(alice).get(PREFS_URL).json() == SAMPLE_JSON
    assert api_for(bob).get(PREFS_URL).json() == {**EMPTY_JSON, "shop_for": "Boys"}
    assert api_for(charlie).get(PREFS_URL).json() == EMPTY_JSON


def test_an_anonymous_caller_is_refused(db):
    for method in ("get", "put", "patch"):
        assert getattr(APIClient(), method)(PREFS_URL, {}, format="json").status_code in (401, 403)


def test_registering_without_preferences_works_as_before_and_saves_none(db):
    response = APIClient().post("/api/auth/register/", {"username": "omar", "password": "walk-in-wardrobe-2024"})
    assert response.status_code == 201 and set(response.json()) == {"id", "username", "token"}
    assert not ShoppingPreferences.objects.exists()


def test_registering_with_preferences_saves_them_with_the_account(db):
    body = {"username": "omar", "password": PASSWORD, "preferences": {"shop_for": "Men", "shoe_size": "44"}}
    response = APIClient().post("/api/auth/register/", body, format="json")
    assert response.status_code == 201
    token = response.json()["token"]
    reader = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert reader.get(PREFS_URL).json()["shop_for"] == "Men" and reader.get(PREFS_URL).json()["shoe_size"] == "44"


def test_registering_with_invalid_preferences_is_refused_and_creates_no_account(db):
    body = {"username": "omar", "password": "walk-in-wardrobe-2024",
            "preferences": {"budget_min": "80", "budget_max": "20", "shop_for": "Unisex"}}
    response = APIClient().post("/api/auth/register/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["preferences"]) == {"shop_for"}  # field types first; the pair is checked once they parse
    assert not get_user_model().objects.filter(username="omar").exists()


def test_registering_with_a_budget_the_wrong_way_round_names_it_and_creates_no_account(db):
    body = {"username": "omar", "password": PASSWORD, "preferences": {"budget_min": "80", "budget_max": "20"}}
    response = APIClient().post("/api/auth/register/", body, format="json")
    assert response.status_code == 400 and "budget_max" in response.json()["preferences"]
    assert not get_user_model().objects.filter(username="omar").exists()


# The export and its restore


def manifest_of(raw: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(raw)).read("manifest.json"))


def test_the_export_carries_the_preferences(alice):
    preferences_set(user=alice, **SAMPLE)
    assert manifest_of(account_export_bytes(user=alice))["preferences"] == SAMPLE_JSON


def test_restoring_an_export_brings_the_preferences_back_into_an_account_with_none(alice, bob):
    preferences_set(user=alice, **SAMPLE)
    report = account_restore(user=bob, archive_file=io.BytesIO(account_export_bytes(user=alice)))
    assert report.ok and report.preferences_restored
    assert preferences_of(user=bob) == preferences_of(user=alice)


def test_restoring_never_overwrites_preferences_the_account_has_saved(alice, bob):
    preferences_set(user=alice, **SAMPLE)
    preferences_set(user=bob, shop_for="Boys")
    report = account_restore(user=bob, archive_file=io.BytesIO(account_export_bytes(user=alice)))
    assert report.ok and not report.preferences_restored
    assert preferences_of(user=bob) == Preferences(shop_for="Boys")


def test_an_export_with_invalid_preferences_restores_nothing_and_says_why(alice, bob):
    preferences_set(user=alice, **SAMPLE)
    archive = zipfile.ZipFile(io.BytesIO(account_export_bytes(user=alice)))
    members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["preferences"]["shop_for"] = "Unisex"
    members["manifest.json"] = json.dumps(manifest).encode()
    report = account_restore(user=bob, archive_file=io.BytesIO(make_zip(members)))
    assert not report.ok and any(p.startswith("preferences: shop_for:") for p in report.problems), report.problems
    assert not ShoppingPreferences.objects.filter(user=bob).exists()
