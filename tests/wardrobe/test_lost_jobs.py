"""How soon the sweepers take back a row whose job was lost: a live job stamps its rows (heartbeat), so a processing
row unstamped for EMBEDDING_LOST_AFTER_SECONDS lost its worker, long before the job's time limit."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import GarmentFactory
from wardrobe import services
from wardrobe.embedding import heartbeat
from wardrobe.models import EmbeddingState, Garment


def stamp_of(garment: Garment):
    return Garment.objects.values_list("embedding_updated_at", flat=True).get(pk=garment.pk)


def aged(state: str, seconds: int) -> Garment:
    garment = GarmentFactory()
    Garment.objects.filter(pk=garment.pk).update(
        embedding_state=state, embedding_updated_at=timezone.now() - timedelta(seconds=seconds)
    )
    return garment


@pytest.mark.django_db(transaction=True)  # the heartbeat writes from its own thread and connection
def test_a_running_job_keeps_stamping_its_processing_rows():
    garment = aged(EmbeddingState.PROCESSING, 600)
    with heartbeat(Garment, [garment.pk], every=0.05):
        time.sleep(0.5)
    assert timezone.now() - stamp_of(garment) < timedelta(seconds=5)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_leaves_a_row_that_is_no_longer_processing_alone():
    garment = aged(EmbeddingState.PENDING, 600)  # reset by an edit while the job ran
    before = stamp_of(garment)
    with heartbeat(Garment, [garment.pk], every=0.05):
        time.sleep(0.3)
    assert stamp_of(garment) == before


@pytest.mark.django_db
@pytest.mark.usefixtures("broker_down")
def test_a_processing_row_unstamped_for_the_lost_limit_is_swept_long_before_the_time_limit(settings):
    settings.EMBEDDING_LOST_AFTER_SECONDS, settings.EMBEDDING_TASK_TIME_LIMIT = 60, 300
    aged(EmbeddingState.PROCESSING, 61)
    aged(EmbeddingState.PROCESSING, 30)
    pending, processing = services.lost_job_ages()
    assert processing == timedelta(seconds=60)
    assert services.requeue_stale_garments(pending_older_than=pending, processing_older_than=processing) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("broker_down")
def test_when_the_broker_cannot_say_what_is_queued_a_pending_row_waits_the_stale_limit(settings):
    settings.EMBEDDING_LOST_AFTER_SECONDS, settings.EMBEDDING_STALE_AFTER_SECONDS = 60, 600
    assert services.lost_job_ages()[0] == timedelta(seconds=600)
