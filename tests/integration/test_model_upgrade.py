"""The upgrade pass on the real broker and a real worker: vectors of an older model are re-embedded by the beat task
on the embedding queue, and only while that queue is idle (fresh uploads first)."""
import pytest

from common.jobs import enqueue, waiting_count
from recommender import services
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import InventoryItemFactory
from tests.integration.conftest import wait_for
from wardrobe import embedding
from wardrobe import services as closet_services

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

OLD = "item:img:efficientnet_lite0:96:avg:imagenet0000|txt:old|w=0.70"


def test_the_beat_task_re_embeds_an_older_models_vectors_on_the_worker(broker, start_worker):
    items = InventoryItemFactory.create_batch(3, vector=[1.0] * 8, model_version=OLD)
    start_worker()

    enqueue("recommender.tasks.reembed_outdated")

    current = embedding.get_encoder().version
    wait_for(lambda: InventoryItem.objects.filter(embedding_version=current).count() == len(items), timeout=180,
             what="every item re-embedded with the current model")
    assert set(InventoryItem.objects.values_list("embedding_state", flat=True)) == {EmbeddingState.READY}


@pytest.mark.django_db
def test_the_upgrade_pass_waits_while_the_embedding_queue_holds_jobs(broker):
    InventoryItemFactory.create_batch(2, vector=[1.0] * 8, model_version=OLD)
    enqueue("wardrobe.tasks.embed_garment", 10**9)  # no worker: a fresh upload's job waits in the queue
    assert waiting_count(closet_services.EMBEDDING_QUEUE) == 1

    assert services.requeue_outdated_embeddings(limit=10) is None
    assert waiting_count(closet_services.EMBEDDING_QUEUE) == 1
    assert InventoryItem.objects.filter(embedding_version=OLD).count() == 2
