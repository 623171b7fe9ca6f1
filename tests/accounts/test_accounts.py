import io
import json
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.http import urlencode

from tests.factories import PASSWORD, GarmentFactory

pytestmark = pytest.mark.django_db


def test_signing_up_logs_the_new_user_in_and_asks_what_they_shop_for_before_the_upload_page(client):
    response = client.post(
        reverse("signup"), {"username": "nina", "email": "", "password1": "walk-in-wardrobe-2024", "password2": "walk-in-wardrobe-2024"}
    )
    # The preferences step (tests/accounts/test_preferences.py), then the upload page.
    assert response["Location"] == f"{reverse('preferences')}?{urlencode({'next': reverse('wardrobe:garment-upload')})}"
    assert client.get(reverse("wardrobe:closet")).status_code == 200


def test_logging_out_ends_the_session(alice_client):
    alice_client.post(reverse("logout"))
    assert alice_client.get(reverse("wardrobe:closet")).status_code == 302


def test_changing_the_password_makes_the_new_one_work(alice_client, alice):
    alice_client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "brand-new-secret-77", "new_password2": "brand-new-secret-77"},
    )
    alice.refresh_from_db()
    assert alice.check_password("brand-new-secret-77")


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client, alice, mailoutbox):
    client.post(reverse("password_reset"), {"email": alice.email})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "reset-secret-2024!", "new_password2": "reset-secret-2024!"})
    alice.refresh_from_db()
    assert alice.check_password("reset-secret-2024!")


def test_account_deletion_needs_the_password(alice_client, alice):
    response = alice_client.post(reverse("account-delete"), {"password": "wrong"})
    assert response.status_code == 400
    assert get_user_model().objects.filter(pk=alice.pk).exists()


def test_account_deletion_removes_the_user_their_garments_and_files(
    alice_client, alice, bob, stored_files, django_capture_on_commit_callbacks
):
    GarmentFactory(owner=alice)
    GarmentFactory(owner=alice)
    bobs = GarmentFactory(owner=bob)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("account-delete"), {"password": PASSWORD})
    assert not get_user_model().objects.filter(pk=alice.pk).exists()
    assert sorted(stored_files()) == sorted([bobs.image.name, bobs.thumbnail.name])


def test_the_export_zip_holds_every_garment_and_its_photo(alice_client, alice):
    shirt = GarmentFactory(owner=alice, name="Oxford shirt", brand="Uniqlo")
    GarmentFactory(owner=alice, name="Chinos")
    response = alice_client.get(reverse("data-export"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("garments.json"))
    assert [g["name"] for g in data["garments"]] == ["Oxford shirt", "Chinos"]
    assert data["garments"][0]["brand"] == "Uniqlo"
    with shirt.image.open("rb") as fh:
        assert archive.read(data["garments"][0]["image"]) == fh.read()
