"""Celery tasks of the wardrobe app.

HOOK: `embed_garment` is the placeholder the embedding-pipeline issue fills (with wardrobe/embedding.py). Today it
only logs; `wardrobe.services.garment_create` already queues it after commit, so the pipeline plugs in here.
"""
import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def embed_garment(garment_id: int) -> None:
    logger.info("embed_garment(%s) queued; the embedding pipeline is not wired in yet", garment_id)
