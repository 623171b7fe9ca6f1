"""The sweepers (beat, every EMBEDDING_SWEEP_SECONDS) find the rows whose embedding job was lost."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recommender import services as shop_services
from recommender.models import InventoryItem
from tests.factories import GarmentFactory, InventoryItemFactory
from wardrobe import services
from wardrobe.models import EmbeddingState, Garment

# Nothing is embedded here: the queued jobs go to a broker that is down, the counts say what was swept.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("broker_down")]

PENDING, PROCESSING = timedelta(seconds=600), timedelta(seconds=300)


def age(model, pk: int, state: str, seconds: int) -> None:
    """Put a row in ``state`` as if it had entered it ``seconds`` ago."""
    model.objects.filter(pk=pk).update(embedding_state=state, embedding_updated_at=timezone.now() - timedelta(seconds=seconds))


def sweep_garments() -> int:
    return services.requeue_stale_garments(pending_older_than=PENDING, processing_older_than=PROCESSING)


def sweep_items() -> int:
    return shop_services.requeue_stale_items(pending_older_than=PENDING, processing_older_than=PROCESSING)


def test_a_garment_processing_past_the_jobs_time_limit_is_queued_again():
    garment = GarmentFactory()
    age(Garment, garment.pk, EmbeddingState.PROCESSING, 301)
    assert sweep_garments() == 1


def test_a_garment_still_processing_within_the_time_limit_is_left_to_its_worker():
    garment = GarmentFactory()
    age(Garment, garment.pk, EmbeddingState.PROCESSING, 200)
    assert sweep_garments() == 0


def test_a_garment_pending_longer_than_the_stale_limit_is_queued_again():
    garment = GarmentFactory()
    age(Garment, garment.pk, EmbeddingState.PENDING, 601)
    assert sweep_garments() == 1


def test_a_freshly_uploaded_garment_is_not_swept():
    GarmentFactory()
    assert sweep_garments() == 0


def test_an_old_garment_retried_just_now_counts_as_freshly_pending():
    garment = GarmentFactory()
    Garment.objects.filter(pk=garment.pk).update(updated_at=timezone.now() - timedelta(days=3))
    age(Garment, garment.pk, EmbeddingState.FAILED, 3 * 86400)
    services.garment_retry(garment=Garment.objects.get(pk=garment.pk))
    assert sweep_garments() == 0


def test_a_ready_garment_is_never_swept_however_old():
    garment = GarmentFactory()
    Garment.objects.filter(pk=garment.pk).update(
        embedding_state=EmbeddingState.READY, embedding=b"\0\0\0\0", embedding_updated_at=timezone.now() - timedelta(days=9)
    )
    assert sweep_garments() == 0


def test_taking_a_job_stamps_when_processing_began():
    garment = GarmentFactory()
    garment.mark_processing()
    assert timezone.now() - Garment.objects.get(pk=garment.pk).embedding_updated_at < timedelta(seconds=5)


def test_an_item_processing_past_the_jobs_time_limit_is_queued_again():
    item = InventoryItemFactory()
    age(InventoryItem, item.pk, EmbeddingState.PROCESSING, 301)
    assert sweep_items() == 1


def test_an_item_still_processing_within_the_time_limit_is_left_to_its_worker():
    item = InventoryItemFactory()
    age(InventoryItem, item.pk, EmbeddingState.PROCESSING, 200)
    assert sweep_items() == 0


def test_an_item_pending_longer_than_the_stale_limit_is_queued_again():
    item = InventoryItemFactory()
    age(InventoryItem, item.pk, EmbeddingState.PENDING, 601)
    assert sweep_items() == 1
