"""Celery tasks of the recommender: thin wrappers over recommender.services.

Producers queue them by name (``common.jobs``); RecommenderConfig.ready() imports this module so every process,
eager ones included, has them registered.

`embed_items` and `reembed_outdated` run on the "embedding" queue (settings.CELERY_TASK_ROUTES: where the encoder is
loaded); the others on "default".
"""
import logging

from celery import Task, shared_task
from django.conf import settings

from recommender import services
from wardrobe.services import lost_job_ages
from wardrobe.tasks import EMBEDDING_TASK_OPTIONS

logger = logging.getLogger(__name__)


class EmbedItemsTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # noqa: ANN001 - Celery's signature
        item_ids = args[0] if args else kwargs.get("item_ids", [])
        services.items_gave_up(item_ids=list(item_ids), error=f"{type(exc).__name__}: {exc}")


@shared_task(base=EmbedItemsTask, **EMBEDDING_TASK_OPTIONS)
def embed_items(self, item_ids: list[int]) -> dict:
    result = services.embed_items(item_ids=list(item_ids))
    return {"ready": result.ready, "skipped": result.skipped, "failed": result.failed}


@shared_task(acks_late=True, time_limit=3600)
def rebuild_index(force: bool = False) -> str | None:
    """Beat: rebuild the index when the inventory changed (one at a time; the others return at once)."""
    version = services.rebuild_index(force=force)
    return version.version if version else None


@shared_task
def requeue_stale_items() -> int:
    """Beat: queue again the inventory items whose job was lost (wardrobe.services.lost_job_ages says how old)."""
    pending, processing = lost_job_ages()
    return services.requeue_stale_items(pending_older_than=pending, processing_older_than=processing)


@shared_task
def reembed_outdated() -> int:
    """Beat, on the embedding queue (where the encoder is loaded): queue a batch of the vectors an older model made
    (services.requeue_outdated_embeddings), while that queue is idle."""
    upgrade = services.requeue_outdated_embeddings(limit=settings.EMBEDDING_UPGRADE_BATCH)
    if upgrade is None or not upgrade.total:
        return 0
    logger.info("re-embedding %d item(s), %d garment(s) and %d board photo(s) of an older model version (now %s)",
                upgrade.items, upgrade.garments, upgrade.board_photos, upgrade.model_version)
    return upgrade.total


@shared_task(acks_late=True, time_limit=3600)
def run_import_job(job_id: int) -> str:
    return services.import_job_run(job_id=job_id).status
