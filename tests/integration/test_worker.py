import os
from datetime import timedelta
import signal
from pathlib import Path

import numpy as np
import pytest
import redis

from recommender import selectors, services
from tests.factories import GarmentFactory, InventoryItemFactory, UserFactory
from tests.integration.conftest import wait_for
from wardrobe import services as wardrobe_services
from wardrobe.models import EmbeddingState, Garment

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]


def state_of(garment_id: int) -> str:
    return Garment.objects.values_list("embedding_state", flat=True).get(pk=garment_id)


def test_an_uploaded_garment_becomes_ready_on_a_real_worker(broker, start_worker):
    start_worker()
    garment = GarmentFactory()
    wait_for(lambda: state_of(garment.pk) == EmbeddingState.READY, timeout=180, what="the garment to be ready")


def test_a_garment_uploaded_while_the_broker_is_down_is_ready_after_it_returns(broker, start_worker, redis_url):
    broker("redis://127.0.0.1:1/0")  # nothing listens there: publishing fails
    garment = GarmentFactory()
    assert state_of(garment.pk) == EmbeddingState.PENDING
    broker(redis_url)
    start_worker()
    assert wardrobe_services.requeue_stale_garments(pending_older_than=timedelta(0), processing_older_than=timedelta(0)) == 1
    wait_for(lambda: state_of(garment.pk) == EmbeddingState.READY, timeout=180, what="the swept garment to be ready")


def test_a_job_survives_its_worker_being_killed_mid_job(broker, start_worker, redis_url):
    first = start_worker(EMBEDDING_PRELOAD="0")  # the first job then spends seconds loading models: kill it there
    garment = GarmentFactory()
    client = redis.Redis.from_url(redis_url)
    wait_for(lambda: client.hlen("unacked") == 1, timeout=120, every=0.05, what="the worker to take the job")
    assert state_of(garment.pk) != EmbeddingState.READY
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    start_worker()
    wait_for(lambda: state_of(garment.pk) == EmbeddingState.READY, timeout=180, what="the job to finish on a new worker")


def test_a_corrupt_current_index_falls_back_to_exact_search_for_the_preview(broker, start_worker, settings):
    start_worker()
    user = UserFactory()
    garment = GarmentFactory(owner=user)
    items = InventoryItemFactory.create_batch(4)
    services.queue_items(item_ids=[i.pk for i in items])
    wait_for(lambda: state_of(garment.pk) == EmbeddingState.READY, timeout=180, what="the garment")
    from recommender.models import InventoryItem

    wait_for(lambda: InventoryItem.objects.filter(embedding_state="ready").count() == 4, timeout=180, what="the items")
    version = services.rebuild_index()
    with open(Path(version.folder) / "vectors.npy", "r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff" * 16)
    selectors.forget_loaded_index()
    preview = selectors.preview_recommendations(user=user, k=3)
    assert selectors.current_index().kind == "exact"
    assert len(preview) == 3 and all(isinstance(d, float) and np.isfinite(d) for _, d in preview)
