"""Embedding jobs against the real encoder (small input size to keep them quick)."""
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from recommender import services
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import GarmentFactory, InventoryItemFactory, UserFactory, upload
from wardrobe import embedding
from wardrobe.models import Garment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_a_batch_job_makes_every_item_ready_with_a_vector_of_the_current_model():
    items = InventoryItemFactory.create_batch(3)
    result = services.embed_items(item_ids=[i.pk for i in items])
    assert result.ready == 3
    version = embedding.get_encoder().version
    assert set(InventoryItem.objects.values_list("embedding_state", "embedding_version")) == {("ready", version)}


def test_running_the_same_batch_job_twice_changes_nothing():
    items = InventoryItemFactory.create_batch(2)
    services.embed_items(item_ids=[i.pk for i in items])
    before = list(InventoryItem.objects.values_list("pk", "embedding", "embedding_updated_at"))
    assert services.embed_items(item_ids=[i.pk for i in items]).skipped == 2
    assert list(InventoryItem.objects.values_list("pk", "embedding", "embedding_updated_at")) == before


def test_an_unreadable_photo_fails_only_its_own_item():
    good, bad = InventoryItemFactory.create_batch(2)
    with default_storage.open(bad.image.name, "wb") as fh:
        fh.write(b"garbage")
    services.embed_items(item_ids=[good.pk, bad.pk])
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.embedding_state == EmbeddingState.READY
    assert bad.embedding_state == EmbeddingState.FAILED and "could not analyse" in bad.embedding_error


def test_uploading_a_garment_makes_it_ready_through_the_queued_job(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        garment = GarmentFactory()
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY and garment.embedding_version == embedding.get_encoder().version


def test_a_garment_whose_photo_vanished_fails_with_a_message():
    garment = GarmentFactory()
    default_storage.delete(garment.image.name)
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.FAILED
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.FAILED and "missing" in garment.embedding_error


def test_a_second_run_of_a_garment_job_is_skipped():
    garment = GarmentFactory()
    embedding.embed_garment(garment_id=garment.pk)
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.SKIPPED


def test_the_closet_retry_button_queues_a_failed_garment_again(client, django_capture_on_commit_callbacks):
    alice = UserFactory(username="alice")
    garment = GarmentFactory(owner=alice)
    Garment.objects.filter(pk=garment.pk).update(embedding_state="failed", embedding_error="boom")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wardrobe:garment-retry", args=[garment.pk]))
    assert response.status_code == 200
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY


def test_retrying_someone_elses_garment_is_not_found(client):
    garment = GarmentFactory(owner=UserFactory(username="alice"))
    client.force_login(UserFactory(username="charlie"))
    assert client.post(reverse("wardrobe:garment-retry", args=[garment.pk])).status_code == 404


def test_the_live_endpoint_reports_own_garments_and_whether_to_keep_polling(client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    mine, theirs = GarmentFactory(owner=alice), GarmentFactory(owner=bob)
    client.force_login(alice)
    data = client.get(reverse("wardrobe:live-states"), {"ids": f"{mine.pk},{theirs.pk}"}).json()
    assert list(data["garments"]) == [str(mine.pk)] and data["busy"] is True
    Garment.objects.filter(pk=mine.pk).update(embedding_state="failed", embedding_error="bad photo")
    data = client.get(reverse("wardrobe:live-states"), {"ids": str(mine.pk)}).json()
    assert data["busy"] is False and data["garments"][str(mine.pk)]["retry_url"]


def test_a_garment_job_logs_one_line_with_its_id_outcome_and_seconds_per_phase(caplog):
    garment = GarmentFactory()
    with caplog.at_level("INFO", logger="wardrobe.embedding"):
        embedding.embed_garment(garment_id=garment.pk)
    [line] = [r.getMessage() for r in caplog.records if r.name == "wardrobe.embedding"]
    assert line.startswith(f"embed_garment garment={garment.pk} outcome=ready ")
    assert all(f"{phase}=" in line for phase in ("model", "lock", "read", "embed", "store"))


def test_a_batch_job_logs_one_line_with_its_ids_counts_and_seconds_per_phase(caplog):
    items = InventoryItemFactory.create_batch(2)
    with caplog.at_level("INFO", logger="recommender.services.embedding"):
        services.embed_items(item_ids=[i.pk for i in items])
    [line] = [r.getMessage() for r in caplog.records if r.name == "recommender.services.embedding"]
    assert f"items={items[0].pk},{items[1].pk} n=2 ready=2 skipped=0 failed=0" in line
    assert all(f"{phase}=" in line for phase in ("model", "lock", "read", "embed", "store"))
