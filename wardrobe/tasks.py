"""Celery tasks of the wardrobe app: thin wrappers over wardrobe.embedding and wardrobe.services.

Producers queue them by name (``common.jobs``); WardrobeConfig.ready() imports this module so every process,
eager ones included, has them registered.

`embed_garment` runs on the "embedding" queue (settings.CELERY_TASK_ROUTES) so GPU workers can take it. It is
acknowledged late, so a worker that dies mid-job leaves the message to be delivered again, and retried with
backoff on transient errors; when the retries run out the garment is marked failed with a message.
"""
import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError

from wardrobe import embedding, moodboards, services

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OSError, DatabaseError, ConnectionError)

# Options every embedding job shares (recommender.tasks.embed_items uses them too): acknowledged late and requeued
# when its worker dies, retried with backoff on transient errors, bounded in time.
EMBEDDING_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": settings.EMBEDDING_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.EMBEDDING_TASK_TIME_LIMIT,
}


class EmbedGarmentTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # noqa: ANN001 - Celery's signature
        garment_id = args[0] if args else kwargs.get("garment_id")
        if garment_id is not None:
            embedding.embedding_gave_up(garment_id=garment_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(base=EmbedGarmentTask, **EMBEDDING_TASK_OPTIONS)
def embed_garment(self, garment_id: int) -> str:
    return embedding.embed_garment(garment_id=garment_id).value


class EmbedBoardPhotoTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # noqa: ANN001 - Celery's signature
        photo_id = args[0] if args else kwargs.get("photo_id")
        if photo_id is not None:
            embedding.board_photo_embedding_gave_up(photo_id=photo_id, error=f"{type(exc).__name__}: {exc}")


@shared_task(base=EmbedBoardPhotoTask, **EMBEDDING_TASK_OPTIONS)
def embed_board_photo(self, photo_id: int) -> str:
    return embedding.embed_board_photo(photo_id=photo_id).value


@shared_task
def requeue_stale_garments() -> int:
    """Beat: queue again the garments and mood-board photos whose job was lost (wardrobe.services.lost_job_ages
    says how old)."""
    pending, processing = services.lost_job_ages()
    count = services.requeue_stale_garments(pending_older_than=pending, processing_older_than=processing)
    photos = moodboards.requeue_stale_board_photos(pending_older_than=pending, processing_older_than=processing)
    if count or photos:
        logger.info("re-queued %d garment and %d board photo embedding job(s) whose job was lost", count, photos)
    return count + photos
