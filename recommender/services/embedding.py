"""Embedding inventory items in batches: the service behind `recommender.tasks.embed_items`.

One job embeds a chunk of items with one batched forward pass. Items already holding a vector of the current model
version are skipped, so a redelivered or duplicated job changes nothing. A photo that cannot be read fails only its
own item.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from ml.encoders import item_text
from ml.images import ImageLoadError
from ml.vectors import to_blob
from recommender.models import EmbeddingState, InventoryItem
from wardrobe.embedding import get_encoder, read_stored_file

logger = logging.getLogger(__name__)


@dataclass
class EmbedResult:
    ready: int = 0
    skipped: int = 0
    failed: int = 0


def chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def item_text_of(item: InventoryItem) -> str:
    return item_text(name=item.name, brand=item.brand, category=item.get_category_display(), colour=item.get_colour_display())


def embed_items(*, item_ids: list[int]) -> EmbedResult:
    """Embed the given items in one batch: pending|processing|failed -> ready, or failed per unreadable photo."""
    encoder = get_encoder()
    result = EmbedResult()
    with transaction.atomic():
        items = list(InventoryItem.objects.select_for_update().filter(pk__in=item_ids).order_by("pk"))
        todo = []
        for item in items:
            if item.embedding_state == EmbeddingState.READY and item.embedding_version == encoder.version:
                result.skipped += 1
            else:
                todo.append(item)
        InventoryItem.objects.filter(pk__in=[i.pk for i in todo]).update(
            embedding_state=EmbeddingState.PROCESSING, embedding_error=""
        )
    if not todo:
        return result
    images: list[bytes] = []
    errors: dict[int, str] = {}
    for i, item in enumerate(todo):
        try:
            images.append(read_stored_file(item.image.name))
        except ImageLoadError as exc:
            images.append(b"")
            errors[i] = str(exc)
    vectors, embed_errors = encoder.embed_with_errors(images, [item_text_of(item) for item in todo])
    errors = {**embed_errors, **errors}
    now = timezone.now()
    with transaction.atomic():
        # Only items still processing take the result: one reset by a re-import meanwhile must not get a stale vector.
        still = set(
            InventoryItem.objects.select_for_update()
            .filter(pk__in=[i.pk for i in todo], embedding_state=EmbeddingState.PROCESSING)
            .values_list("pk", flat=True)
        )
        done, failed = [], []
        for i, item in enumerate(todo):
            if item.pk not in still:
                continue
            item.embedding_updated_at = now
            item.updated_at = now
            if i in errors:
                item.embedding_state = EmbeddingState.FAILED
                item.embedding_error = f"We could not analyse this photo: {errors[i]}"[:2000]
                failed.append(item)
            else:
                item.embedding_state = EmbeddingState.READY
                item.embedding = to_blob(vectors[i])
                item.embedding_version = encoder.version
                item.embedding_error = ""
                done.append(item)
        if done:
            InventoryItem.objects.bulk_update(
                done, ["embedding_state", "embedding", "embedding_version", "embedding_error", "embedding_updated_at", "updated_at"]
            )
        if failed:
            InventoryItem.objects.bulk_update(failed, ["embedding_state", "embedding_error", "embedding_updated_at", "updated_at"])
    result.ready, result.failed = len(done), len(failed)
    return result


def items_gave_up(*, item_ids: list[int], error: str) -> None:
    """The job ran out of retries: its items that are still unfinished become failed (re-embed from the admin)."""
    InventoryItem.objects.filter(
        pk__in=item_ids, embedding_state__in=[EmbeddingState.PENDING, EmbeddingState.PROCESSING]
    ).update(embedding_state=EmbeddingState.FAILED, embedding_error=f"Embedding kept failing: {error}"[:2000])


def queue_items(*, item_ids: list[int], batch_size: int | None = None) -> int:
    """Queue embed_items jobs of ``batch_size`` ids each. Returns how many jobs were queued; a broker that is down
    leaves the items pending for the sweeper."""
    from recommender.tasks import embed_items as embed_items_task

    queued = 0
    for chunk in chunks(sorted(item_ids), batch_size or settings.EMBEDDING_BATCH_SIZE):
        try:
            embed_items_task.delay(chunk)
        except (BrokerError, ConnectionError, OSError) as exc:
            logger.warning("could not queue embed_items (%d ids), left pending: %s", len(chunk), exc)
            break
        queued += 1
    return queued


def queue_pending_items(*, older_than: timedelta | None = None, batch_size: int | None = None) -> int:
    """Queue every item that needs a vector (pending; or processing for longer than ``older_than``). Returns ids queued."""
    qs = InventoryItem.objects.filter(embedding_state=EmbeddingState.PENDING)
    if older_than is not None:
        cutoff = timezone.now() - older_than
        qs = InventoryItem.objects.filter(
            Q(embedding_state=EmbeddingState.PENDING) | Q(embedding_state=EmbeddingState.PROCESSING), updated_at__lte=cutoff
        )
    ids = list(qs.values_list("pk", flat=True))
    queue_items(item_ids=ids, batch_size=batch_size)
    return len(ids)


def reembed_items(*, item_ids: list[int]) -> int:
    """Reset the items' embeddings to pending and queue them (admin action "re-embed")."""
    with transaction.atomic():
        count = InventoryItem.objects.filter(pk__in=item_ids).update(
            embedding_state=EmbeddingState.PENDING, embedding=None, embedding_version="", embedding_error="",
            embedding_updated_at=None, updated_at=timezone.now(),
        )
        ids = list(item_ids)
        transaction.on_commit(lambda: queue_items(item_ids=ids))
    return count
