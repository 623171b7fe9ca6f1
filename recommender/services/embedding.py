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
from django.utils import timezone

from common.jobs import PhaseTimer, enqueue, waiting_count
from ml.encoders import item_text
from ml.images import ImageLoadError
from ml.vectors import to_blob
from recommender.models import EmbeddingState, InventoryItem
from wardrobe.embedding import get_encoder, heartbeat, read_stored_file
from wardrobe.models import stuck_embeddings

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


EMBED_ITEMS = "recommender.tasks.embed_items"


def embed_items(*, item_ids: list[int]) -> EmbedResult:
    """Embed the given items in one batch: pending|processing|failed -> ready, or failed per unreadable photo.

    Logs one line per job: the ids, the counts and the seconds of each phase."""
    timer = PhaseTimer()
    result: EmbedResult | None = None
    try:
        result = _embed_items(item_ids, timer)
    finally:
        outcome = f"ready={result.ready} skipped={result.skipped} failed={result.failed}" if result else "outcome=error"
        logger.info("embed_items items=%s n=%d %s %s", _id_span(item_ids), len(item_ids), outcome, timer)
    return result


def _id_span(ids: list[int]) -> str:
    """The ids for a log line: a batch of 64 would be a wall of numbers, so its first and last stand in."""
    ids = sorted(ids)
    return ",".join(map(str, ids)) if len(ids) <= 4 else f"{ids[0]}..{ids[-1]}"


def _embed_items(item_ids: list[int], timer: PhaseTimer) -> EmbedResult:
    encoder = get_encoder()
    timer.lap("model")
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
            embedding_state=EmbeddingState.PROCESSING, embedding_error="", embedding_updated_at=timezone.now()
        )
    timer.lap("lock")
    if not todo:
        return result
    images: list[bytes] = []
    errors: dict[int, str] = {}
    with heartbeat(InventoryItem, [item.pk for item in todo]):
        for i, item in enumerate(todo):
            try:
                images.append(read_stored_file(item.image.name))
            except ImageLoadError as exc:
                images.append(b"")
                errors[i] = str(exc)
        timer.lap("read")
        vectors, embed_errors = encoder.embed_with_errors(images, [item_text_of(item) for item in todo])
        timer.lap("embed")
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
    timer.lap("store")
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
    queued = 0
    for chunk in chunks(sorted(item_ids), batch_size or settings.EMBEDDING_BATCH_SIZE):
        if not enqueue(EMBED_ITEMS, chunk):
            break
        queued += 1
    return queued


def queue_pending_items(*, batch_size: int | None = None) -> int:
    """Queue every pending item (after an import, or from the command line). Returns how many ids were queued."""
    ids = list(InventoryItem.objects.filter(embedding_state=EmbeddingState.PENDING).values_list("pk", flat=True))
    queue_items(item_ids=ids, batch_size=batch_size)
    return len(ids)


def requeue_stale_items(
    *, pending_older_than: timedelta, processing_older_than: timedelta, batch_size: int | None = None
) -> int:
    """Queue again the items whose job was lost: pending longer than ``pending_older_than`` or processing longer
    than ``processing_older_than`` (past the job's hard time limit: its worker died). Returns how many ids."""
    now = timezone.now()
    stuck = stuck_embeddings(pending_before=now - pending_older_than, processing_before=now - processing_older_than)
    ids = list(InventoryItem.objects.filter(stuck).values_list("pk", flat=True))
    queue_items(item_ids=ids, batch_size=batch_size)
    return len(ids)


def requeue_outdated_items(*, model_version: str, limit: int, batch_size: int | None = None) -> int:
    """Queue up to ``limit`` ready items whose vector another model version made; ``embed_items`` re-embeds them in
    place (the old vector serves until the new one is stored). Oldest first. Returns how many."""
    ids = InventoryItem.outdated_ids(model_version=model_version, limit=limit)
    queue_items(item_ids=ids, batch_size=batch_size)
    return len(ids)


@dataclass(frozen=True)
class UpgradePass:
    """What one upgrade pass queued: ready rows of an older model version, per kind (all zero: nothing was due, or
    the embedding queue was busy and fresh uploads went first)."""

    model_version: str
    items: int = 0
    garments: int = 0
    board_photos: int = 0

    @property
    def total(self) -> int:
        return self.items + self.garments + self.board_photos


def requeue_outdated_embeddings(*, limit: int, only_when_idle: bool = True) -> UpgradePass | None:
    """Queue up to ``limit`` rows of each kind (inventory items, garments, mood-board photos) whose vector an older
    model version made, so a changed encoder (new weights, input size, text model) reaches every vector without a
    manual step. With ``only_when_idle`` it does nothing unless the embedding queue is known to be empty: uploads and
    imports go first; items keep serving their old vector meanwhile, a garment or board photo leaves For you only while
    its own job runs. None when it did not run."""
    from wardrobe.moodboards import requeue_outdated_board_photos
    from wardrobe.services import EMBEDDING_QUEUE, requeue_outdated_garments

    if only_when_idle and waiting_count(EMBEDDING_QUEUE) != 0:
        return None
    version = get_encoder().version
    return UpgradePass(
        model_version=version,
        items=requeue_outdated_items(model_version=version, limit=limit),
        garments=requeue_outdated_garments(model_version=version, limit=limit),
        board_photos=requeue_outdated_board_photos(model_version=version, limit=limit),
    )


def reembed_items(*, item_ids: list[int]) -> int:
    """Reset the items' embeddings to pending and queue them (admin action "re-embed")."""
    with transaction.atomic():
        count = InventoryItem.objects.filter(pk__in=item_ids).update(
            embedding_state=EmbeddingState.PENDING, embedding=None, embedding_version="", embedding_error="",
            embedding_updated_at=timezone.now(), updated_at=timezone.now(),
        )
        ids = list(item_ids)
        transaction.on_commit(lambda: queue_items(item_ids=ids))
    return count
