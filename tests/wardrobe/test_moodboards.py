"""Mood boards: photos that are not garments, validated like every upload, embedded by the garment job machinery,
pinned once, removed with their files, and private to their owner on every page and API route."""
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.portability import account_export_bytes
from tests.factories import PASSWORD, GarmentFactory, image_bytes, upload
from wardrobe import insights, moodboards
from wardrobe.models import BoardPhoto, EmbeddingState, Garment, MoodBoard

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(alice):
    return moodboards.board_create(owner=alice, name="Capri trip")


@pytest.fixture
def photo(board):
    return moodboards.board_photo_upload(board=board, image=upload("look.jpg", image_bytes(size=(120, 160))))


def test_a_board_photo_never_counts_as_a_garment(alice_client, alice, photo):
    GarmentFactory(owner=alice, name="Blue shirt")
    assert Garment.objects.filter(owner=alice).count() == 1
    closet = alice_client.get(reverse("wardrobe:closet")).content.decode()
    assert "Blue shirt" in closet and photo.thumbnail_url not in closet
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(account_export_bytes(user=alice))).read("manifest.json"))
    assert [g["name"] for g in manifest["garments"]] == ["Blue shirt"]
    assert manifest["counts"]["board_photos"] == 1
    assert manifest["mood_boards"][0]["photos"][0]["id"] == photo.pk


def test_the_export_carries_each_board_photo_file_apart_from_the_garment_photos(alice, photo):
    names = zipfile.ZipFile(io.BytesIO(account_export_bytes(user=alice))).namelist()
    assert f"boards/{photo.pk}.jpg" in names
    assert not [n for n in names if n.startswith("images/")]


def test_insights_count_garments_only(alice, photo):
    GarmentFactory(owner=alice)
    assert len(insights.closet_insights(user=alice).garments) == 1


def test_a_broken_upload_is_refused_with_a_message_and_stores_nothing(board, stored_files):
    before = stored_files()
    with pytest.raises(moodboards.ImageRejected):
        moodboards.board_photo_upload(board=board, image=upload("broken.jpg", b"\xff\xd8\xff not a jpeg"))
    assert stored_files() == before
    assert not BoardPhoto.objects.exists()


def test_a_new_photo_waits_for_its_analysis(photo):
    assert photo.embedding_state == EmbeddingState.PENDING
    assert photo.owner_id == photo.board.owner_id


def test_pinning_a_garment_twice_keeps_one_pin_with_the_garments_words(alice, board):
    garment = GarmentFactory(owner=alice, name="Yellow raincoat", brand="Acme")
    first, created = moodboards.board_pin_garment(board=board, garment=garment)
    again, created_again = moodboards.board_pin_garment(board=board, garment=garment)
    assert created and not created_again and first.pk == again.pk
    assert "Yellow raincoat" in first.caption and first.source == "garment"


def test_bob_cannot_pin_alices_garment_to_his_board(alice, bob):
    garment = GarmentFactory(owner=alice)
    bobs = moodboards.board_create(owner=bob, name="Bob's")
    with pytest.raises(moodboards.ValidationError):
        moodboards.board_pin_garment(board=bobs, garment=garment)


def test_a_pin_outlives_the_garment_it_copies(alice, board):
    garment = GarmentFactory(owner=alice)
    pin, _ = moodboards.board_pin_garment(board=board, garment=garment)
    garment.delete()
    pin.refresh_from_db()
    assert pin.garment_id is None and pin.image.name


def test_removing_a_photo_removes_its_files_after_the_commit(photo, stored_files, django_capture_on_commit_callbacks):
    names = set(photo.stored_file_names)
    assert names <= set(stored_files())
    with django_capture_on_commit_callbacks(execute=True):
        moodboards.board_photo_delete(photo=photo)
    assert not names & set(stored_files())
    assert not BoardPhoto.objects.filter(pk=photo.pk).exists()


def test_deleting_a_board_deletes_its_photos_and_files(board, photo, stored_files, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert moodboards.board_delete(board=board) == 1
    assert not BoardPhoto.objects.exists()
    assert not set(photo.stored_file_names) & set(stored_files())


def test_a_board_holds_a_limited_number_of_photos(board, monkeypatch):
    monkeypatch.setattr(moodboards, "MAX_PHOTOS_PER_BOARD", 1)
    moodboards.board_photo_upload(board=board, image=upload())
    with pytest.raises(moodboards.BoardFull):
        moodboards.board_photo_upload(board=board, image=upload())


def test_the_sweeper_queues_a_board_photo_whose_job_was_lost(photo, monkeypatch):
    queued = []
    monkeypatch.setattr(moodboards, "enqueue", lambda name, *args: queued.append((name, args)))
    BoardPhoto.objects.filter(pk=photo.pk).update(embedding_updated_at=timezone.now() - timedelta(hours=2))
    count = moodboards.requeue_stale_board_photos(pending_older_than=timedelta(minutes=10), processing_older_than=timedelta(minutes=10))
    assert count == 1 and queued == [(moodboards.EMBED_BOARD_PHOTO, (photo.pk,))]


def test_the_slider_is_stored_clipped_and_defaults_to_the_measured_share(alice):
    from ml.ranking import DEFAULT_INSPIRATION_SHARE

    assert moodboards.inspiration_share(user=alice) == DEFAULT_INSPIRATION_SHARE
    assert moodboards.blend_set(owner=alice, share=1.7) == 1.0
    assert moodboards.inspiration_share(user=alice) == 1.0


@pytest.mark.slow
def test_the_embedding_job_analyses_a_board_photo_with_the_real_encoder(settings, photo):
    from wardrobe import embedding

    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"
    try:
        encoder = embedding.get_encoder()
    except Exception as exc:  # noqa: BLE001 - weights absent on this machine
        pytest.skip(f"the item encoder cannot load here: {exc}")
    assert embedding.embed_board_photo(photo_id=photo.pk) == embedding.Outcome.READY
    photo.refresh_from_db()
    assert photo.embedding_state == EmbeddingState.READY and photo.embedding_version == encoder.version
    assert len(bytes(photo.embedding)) == encoder.dim * 4
    assert embedding.embed_board_photo(photo_id=photo.pk) == embedding.Outcome.SKIPPED


# --- pages ---------------------------------------------------------------------------------------------------------

def test_creating_a_board_on_the_page_opens_it(alice_client, alice):
    response = alice_client.post(reverse("wardrobe:board-list"), {"name": "Office"})
    board = MoodBoard.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == board.get_absolute_url()
    assert "This board is empty" in alice_client.get(board.get_absolute_url()).content.decode()


def test_uploading_photos_on_the_page_names_a_rejected_file_and_keeps_the_others(alice_client, board):
    response = alice_client.post(
        reverse("wardrobe:board-photo-add", args=[board.pk]),
        {"photos": [upload("good.jpg"), upload("bad.jpg", b"nope")]}, follow=True,
    )
    html = response.content.decode()
    assert BoardPhoto.objects.filter(board=board).count() == 1
    assert "bad.jpg" in html and "Added 1 photo" in html


def test_the_board_page_shows_each_photo_with_its_state_and_a_crop_link(alice_client, board, photo):
    html = alice_client.get(board.get_absolute_url()).content.decode()
    assert photo.thumbnail_url in html and 'data-board-photo-state="pending"' in html
    assert reverse("recommender:search-board-photo", args=[photo.pk]) in html


def test_an_empty_boards_page_explains_what_boards_do(alice_client):
    assert "No mood boards yet" in alice_client.get(reverse("wardrobe:board-list")).content.decode()


PAGE_ROUTES = [
    ("get", "wardrobe:board-detail", "board"),
    ("post", "wardrobe:board-photo-add", "board"),
    ("post", "wardrobe:board-pin-garment", "board"),
    ("post", "wardrobe:board-rename", "board"),
    ("get", "wardrobe:board-delete", "board"),
    ("post", "wardrobe:board-delete", "board"),
    ("post", "wardrobe:board-photo-delete", "photo"),
    ("post", "wardrobe:board-photo-retry", "photo"),
    ("get", "recommender:search-board-photo", "photo"),
]


@pytest.mark.parametrize("method, route, target", PAGE_ROUTES)
def test_bob_gets_404_on_every_page_of_alices_board(client, bob, board, photo, method, route, target):
    client.login(username="bob", password=PASSWORD)
    pk = board.pk if target == "board" else photo.pk
    response = getattr(client, method)(reverse(route, args=[pk]), {"name": "stolen", "garment": 1})
    assert response.status_code == 404
    board.refresh_from_db()
    assert board.name == "Capri trip" and BoardPhoto.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize("variant", ["full", "thumb"])
def test_bob_gets_404_for_alices_board_photo_files(client, bob, photo, variant):
    client.login(username="bob", password=PASSWORD)
    assert client.get(reverse("wardrobe:board-photo-image", args=[photo.pk, variant])).status_code == 404


def test_bobs_boards_page_lists_only_his_boards(client, bob, board):
    client.login(username="bob", password=PASSWORD)
    assert "Capri trip" not in client.get(reverse("wardrobe:board-list")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in_from_a_board(client, board):
    response = client.get(board.get_absolute_url())
    assert response.status_code == 302 and "login" in response["Location"]


# --- API -----------------------------------------------------------------------------------------------------------

@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_the_api_creates_a_board_uploads_a_photo_and_lists_it(api):
    board = api.post("/api/boards/", {"name": "Weekend"}, format="json").json()
    created = api.post(f"/api/boards/{board['id']}/photos/", {"image": upload()}, format="multipart")
    assert created.status_code == 201 and created.json()["embedding_state"] == "pending"
    detail = api.get(f"/api/boards/{board['id']}/").json()
    assert [p["id"] for p in detail["photos"]] == [created.json()["id"]] and detail["photo_count"] == 1


def test_the_api_refuses_a_broken_photo_with_the_upload_message(api, board):
    response = api.post(f"/api/boards/{board.pk}/photos/", {"image": upload("x.jpg", b"nope")}, format="multipart")
    assert response.status_code == 400 and response.json()["image"]


def test_the_api_sets_and_reads_the_slider(api):
    assert api.get("/api/inspiration/").json()["is_default"] is True
    assert api.put("/api/inspiration/", {"share": 0.6}, format="json").json() == {"share": 0.6, "is_default": False}
    assert api.put("/api/inspiration/", {"share": 2}, format="json").status_code == 400


API_ROUTES = [
    ("get", "/api/boards/{board}/"), ("patch", "/api/boards/{board}/"), ("delete", "/api/boards/{board}/"),
    ("post", "/api/boards/{board}/photos/"), ("get", "/api/board-photos/{photo}/"),
    ("delete", "/api/board-photos/{photo}/"), ("get", "/api/board-photos/{photo}/image/"),
]


@pytest.mark.parametrize("method, route", API_ROUTES)
def test_bob_gets_404_on_every_api_route_of_alices_board(bob, board, photo, method, route):
    client = APIClient()
    client.force_authenticate(bob)
    response = getattr(client, method)(route.format(board=board.pk, photo=photo.pk), {"name": "stolen", "garment_id": 1}, format="json")
    assert response.status_code == 404
    assert MoodBoard.objects.get(pk=board.pk).name == "Capri trip" and BoardPhoto.objects.filter(pk=photo.pk).exists()
