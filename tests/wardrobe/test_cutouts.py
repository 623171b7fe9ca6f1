"""The embedding job keeps the cut-out it embeds; the garment page shows it, and its owner can choose the original
photo instead, which re-embeds the garment with the photo as taken."""
import io
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from ml.data import load_styles
from ml.homephotos import home_photo_for_item, make_home_photo
from ml.vectors import from_blob
from tests.factories import GarmentFactory, red_shirt_on_white, upload
from wardrobe import embedding
from wardrobe.embedding import garment_text
from wardrobe.models import EmbeddingState, Garment

pytestmark = pytest.mark.django_db

MINI = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "fashion-products-mini"


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"


def _embedded(garment: Garment) -> Garment:
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.READY
    garment.refresh_from_db()
    return garment


@pytest.fixture
def alices_home_photo_garment(alice):
    """Alice's shirt photographed on a blanket, embedded: it has a cut-out."""
    home = make_home_photo(red_shirt_on_white(), seed=3).jpeg
    return _embedded(GarmentFactory(owner=alice, name="Red shirt", image=upload("shirt.jpg", home)))


def test_the_job_stores_the_cut_out_of_a_home_photo(alice, stored_files):
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI.resolve()}")
    item = load_styles(MINI)[0]
    home = home_photo_for_item(item.image_path(MINI), item.id, seed=3)
    garment = _embedded(GarmentFactory(owner=alice, image=upload("home.jpg", home.jpeg)))
    assert garment.cutout.name in stored_files()
    cutout = Image.open(garment.cutout.open("rb")).convert("RGB")
    assert cutout.width < home.size[0] or cutout.height < home.size[1]  # cropped to the garment
    rgb = np.asarray(cutout)
    assert (rgb[0, 0] > 235).all() and (rgb[-1, -1] > 235).all()  # on white, not on the home background


def test_a_photo_already_on_white_gets_no_cut_out(alice):
    garment = _embedded(GarmentFactory(owner=alice, image=upload("shirt.jpg", red_shirt_on_white())))
    assert not garment.cutout


def test_choosing_the_original_re_embeds_the_garment_with_the_photo_as_taken(
    alice_client, alices_home_photo_garment, django_capture_on_commit_callbacks
):
    garment = alices_home_photo_garment
    cut_vector = from_blob(garment.embedding)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        alice_client.post(reverse("wardrobe:garment-cutout", args=[garment.pk]), {"use_cutout": "0"})
    garment.refresh_from_db()
    assert (garment.use_cutout, garment.embedding_state) == (False, EmbeddingState.PENDING)
    assert queued, "the embedding job is queued on commit"
    garment = _embedded(garment)
    original = garment.image.open("rb").read()
    expected = embedding.get_encoder().embed([original], [garment_text(garment)])[0]
    assert not np.allclose(from_blob(garment.embedding), cut_vector)
    assert np.allclose(from_blob(garment.embedding), expected, atol=1e-5)


def test_the_original_upload_and_the_cut_out_are_kept_when_the_original_is_chosen(alice_client, alices_home_photo_garment):
    garment = alices_home_photo_garment
    original = garment.image.open("rb").read()
    alice_client.post(reverse("wardrobe:garment-cutout", args=[garment.pk]), {"use_cutout": "0"})
    garment = _embedded(Garment.objects.get(pk=garment.pk))
    assert garment.image.open("rb").read() == original
    assert garment.cutout, "kept, so the owner can switch back"


def test_the_garment_page_shows_the_cut_out_and_offers_the_original(alice_client, alices_home_photo_garment):
    page = alice_client.get(alices_home_photo_garment.get_absolute_url()).content.decode()
    assert f'src="{alices_home_photo_garment.cutout_url}"' in page
    assert "Use the original photo</button>" in page


def test_after_choosing_the_original_the_page_shows_it_confirms_and_offers_the_cut_out(
    alice_client, alices_home_photo_garment
):
    garment = alices_home_photo_garment
    response = alice_client.post(reverse("wardrobe:garment-cutout", args=[garment.pk]), {"use_cutout": "0"}, follow=True)
    page = response.content.decode()
    assert f'src="{garment.image_url}"' in page and garment.cutout_url not in page
    assert "Use the cut-out</button>" in page
    assert 'role="status"' in page and "Using the original photo" in page


def test_a_garment_without_a_cut_out_shows_its_photo_and_no_choice(alice_client, alice):
    garment = _embedded(GarmentFactory(owner=alice, image=upload("shirt.jpg", red_shirt_on_white())))
    page = alice_client.get(garment.get_absolute_url()).content.decode()
    assert f'src="{garment.image_url}"' in page
    assert reverse("wardrobe:garment-cutout", args=[garment.pk]) not in page


def test_the_cut_out_is_served_to_its_owner(alice_client, alices_home_photo_garment):
    response = alice_client.get(alices_home_photo_garment.cutout_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_bob_cannot_see_alices_cut_out(client, bob, alices_home_photo_garment):
    client.force_login(bob)
    assert client.get(alices_home_photo_garment.cutout_url).status_code == 404


def test_bob_cannot_change_alices_choice(client, bob, alices_home_photo_garment):
    client.force_login(bob)
    url = reverse("wardrobe:garment-cutout", args=[alices_home_photo_garment.pk])
    assert client.post(url, {"use_cutout": "0"}).status_code == 404
    alices_home_photo_garment.refresh_from_db()
    assert alices_home_photo_garment.use_cutout and alices_home_photo_garment.embedding_state == EmbeddingState.READY


def test_the_choice_needs_a_post(alice_client, alices_home_photo_garment):
    url = reverse("wardrobe:garment-cutout", args=[alices_home_photo_garment.pk])
    assert alice_client.get(url, {"use_cutout": "0"}).status_code == 405


def test_the_api_round_trips_the_choice_and_links_the_cut_out(api, alices_home_photo_garment):
    url = reverse("api-garment-detail", args=[alices_home_photo_garment.pk])
    assert api.patch(url, {"use_cutout": False}, format="json").json()["use_cutout"] is False
    body = api.get(url).json()
    assert body["use_cutout"] is False
    assert api.get(body["cutout_url"]).status_code == 200
    alices_home_photo_garment.refresh_from_db()
    assert alices_home_photo_garment.embedding_state == EmbeddingState.PENDING


def test_the_api_has_no_cut_out_link_for_a_garment_without_one(api, alice):
    garment = _embedded(GarmentFactory(owner=alice, image=upload("shirt.jpg", red_shirt_on_white())))
    assert api.get(reverse("api-garment-detail", args=[garment.pk])).json()["cutout_url"] is None


def test_bob_gets_no_cut_out_through_the_api(bob, alices_home_photo_garment):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(bob)
    assert client.get(reverse("api-garment-cutout", args=[alices_home_photo_garment.pk])).status_code == 404


def test_an_export_and_restore_keep_the_choice(alice, bob):
    from accounts.portability import account_export_bytes
    from accounts.restore import account_restore
    from wardrobe import cutouts

    garment = GarmentFactory(owner=alice, name="Photo as taken")
    cutouts.garment_set_use_cutout(garment=garment, use_cutout=False)
    account_restore(user=bob, archive_file=io.BytesIO(account_export_bytes(user=alice)))
    assert list(Garment.objects.filter(owner=bob).values_list("name", "use_cutout")) == [("Photo as taken", False)]


def test_deleting_a_garment_deletes_its_cut_out(alice, alices_home_photo_garment, stored_files, django_capture_on_commit_callbacks):
    from wardrobe import services

    name = alices_home_photo_garment.cutout.name
    with django_capture_on_commit_callbacks(execute=True):
        services.garment_delete(garment=alices_home_photo_garment)
    assert name not in stored_files()
