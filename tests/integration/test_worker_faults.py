"""Fault injection on a real worker: its pool process killed mid-batch (`kill -9`), the worker must recover on its
own and finish every item. Each respawned pool child used to load the encoder before reporting up, took longer than
Celery's 4 s start-up limit, and was killed again and again: nothing was embedded until someone restarted the
worker."""
import os
import signal
from pathlib import Path

import pytest

from recommender import services
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import InventoryItemFactory
from tests.integration.conftest import wait_for

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
