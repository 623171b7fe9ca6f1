"""Fault injection on a real worker: its pool process killed mid-batch (`kill -9`), the worker must recover on its
own and finish every item. Each respawned pool child used to load the encoder before reporting up, took longer than
Celery's 4 s start-up limit, and was killed again and again: nothing was embedded until someone restarted the
worker. And with the whole worker killed, or the broker down at upload, the sweeper takes the rows back within
EMBEDDING_LOST_AFTER_SECONDS (a minute by default; seconds here), not after the job's time limit or the stale
limit (5-10 minutes)."""
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from common.jobs import enqueue, waiting_count
from recommender import services
from recommender import tasks as shop_tasks
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import GarmentFactory, InventoryItemFactory
from tests.integration.conftest import wait_for
from wardrobe import services as closet_services
from wardrobe import tasks as closet_tasks
from wardrobe.models import Garment

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(420)]


def pool_children(pid: int) -> list[int]:
    """The process ids whose parent is ``pid`` (the worker's pool processes), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def count(state: str, ids: list[int]) -> int:
    return InventoryItem.objects.filter(pk__in=ids, embedding_state=state).count()


def test_every_item_is_ready_after_the_pool_process_is_killed_mid_batch(broker, start_worker):
    worker = start_worker()  # EMBEDDING_PRELOAD on, as deployed
    ids = [item.pk for item in InventoryItemFactory.create_batch(40)]
    services.queue_items(item_ids=ids, batch_size=8)
    wait_for(lambda: count(EmbeddingState.READY, ids) > 0, timeout=180, what="the first batch to be ready")
    wait_for(lambda: count(EmbeddingState.PROCESSING, ids) > 0, timeout=60, every=0.02, what="a batch in flight")
    [child] = pool_children(worker.pid)

    os.kill(child, signal.SIGKILL)

    wait_for(lambda: pool_children(worker.pid) not in ([], [child]), timeout=30, what="a new pool process")
    wait_for(lambda: count(EmbeddingState.READY, ids) == len(ids), timeout=180, what="every item to be ready")
    assert worker.poll() is None


def test_a_batch_whose_whole_worker_was_killed_is_swept_once_its_heartbeat_stops(broker, start_worker, settings):
    settings.EMBEDDING_LOST_AFTER_SECONDS = 6
    # Redis as deployed: it would hand the unacknowledged job back only after 10 minutes.
    first = start_worker(CELERY_VISIBILITY_TIMEOUT="600", EMBEDDING_HEARTBEAT_SECONDS="1")
    ids = [item.pk for item in InventoryItemFactory.create_batch(48)]
    services.queue_items(item_ids=ids, batch_size=48)  # one job, seconds of embedding once it holds its rows
    wait_for(lambda: count(EmbeddingState.PROCESSING, ids) == len(ids), timeout=180, every=0.02, what="the batch taken")

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    start_worker(CELERY_VISIBILITY_TIMEOUT="600")
    time.sleep(settings.EMBEDDING_LOST_AFTER_SECONDS + 1)

    assert shop_tasks.requeue_stale_items() == len(ids)
    wait_for(lambda: count(EmbeddingState.READY, ids) == len(ids), timeout=180, what="the swept batch to be ready")


def test_an_upload_made_while_the_broker_was_down_is_swept_after_the_lost_limit(broker, start_worker, redis_url, settings):
    settings.EMBEDDING_LOST_AFTER_SECONDS, settings.EMBEDDING_STALE_AFTER_SECONDS = 60, 600
    broker("redis://127.0.0.1:1/0")  # nothing listens there: publishing fails
    garment = GarmentFactory()
    broker(redis_url)
    Garment.objects.filter(pk=garment.pk).update(embedding_updated_at=timezone.now() - timedelta(seconds=61))
    start_worker()

    assert closet_tasks.requeue_stale_garments() == 1  # the embedding queue is empty: nothing else could queue it
    wait_for(
        lambda: Garment.objects.get(pk=garment.pk).embedding_state == EmbeddingState.READY, timeout=180,
        what="the swept garment to be ready",
    )


def test_a_pending_row_waits_the_stale_limit_while_the_embedding_queue_holds_jobs(broker, settings):
    settings.EMBEDDING_LOST_AFTER_SECONDS, settings.EMBEDDING_STALE_AFTER_SECONDS = 60, 600
    assert waiting_count(closet_services.EMBEDDING_QUEUE) == 0
    assert closet_services.lost_job_ages()[0] == timedelta(seconds=60)
    enqueue("wardrobe.tasks.embed_garment", 10**9)  # no worker: it waits in the queue

    assert waiting_count(closet_services.EMBEDDING_QUEUE) == 1
    assert closet_services.lost_job_ages()[0] == timedelta(seconds=600)
