"""Writes to the closet. Views, API views, admin and commands call these; none of them touch Garment rows directly.

Files and rows stay consistent: files are written inside the transaction that saves the row and removed again if
it fails; files of deleted garments are removed only after the deletion commits.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from common.jobs import enqueue, enqueue_on_commit, waiting_count
from wardrobe import taxonomy, upload_tags
from wardrobe.images import ImageRejected, NormalisedImage, normalise_image
from wardrobe.models import Garment, stuck_embeddings

__all__ = [
    "BatchResult",
    "BatchTooLarge",
    "ImageRejected",
    "Rejection",
    "garment_create",
    "garment_create_batch",
    "garment_delete",
    "garment_delete_all",
    "garment_retry",
    "garment_update",
    "queue_embedding",
    "requeue_stale_garments",
    "batch_limit_text",
    "check_batch_size",
]

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "brand", "category", "colour", "size", "price_paid", "season", "notes")
# The embedding reads the photo and these texts (wardrobe.embedding.garment_text); changing them makes the stored
# vector stale.
EMBEDDED_TEXT_FIELDS = ("name", "brand", "category", "colour")
# Which photo the embedding reads (wardrobe.cutouts): set by its own control on the garment page, not the edit form.
PHOTO_CHOICE_FIELDS = ("use_cutout",)
EMBEDDED_FIELDS = EMBEDDED_TEXT_FIELDS + PHOTO_CHOICE_FIELDS


@dataclass(frozen=True)
class Rejection:
    filename: str
    message: str


@dataclass
class BatchResult:
    created: list[Garment] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


EMBED_GARMENT = "wardrobe.tasks.embed_garment"


OUT_OF_TIME = "The server is busy and the upload ran out of time; upload this photo again."


class BatchTooLarge(ValueError):
    """A batch over UPLOAD_BATCH_MAX_FILES or UPLOAD_BATCH_MAX_BYTES; str() says the limit, for the uploader."""


def batch_limit_text() -> str:
    """The batch limits in words, for the upload page and every refusal."""
    return (
        f"up to {settings.UPLOAD_BATCH_MAX_FILES} photos and "
        f"{settings.UPLOAD_BATCH_MAX_BYTES / (1024 * 1024):g} MB in all per upload"
    )


def check_batch_size(*, count: int, total_bytes: int) -> None:
    """Refuse a whole batch up front, before any garment is made: it runs in one request, and one cut off by the
    worker timeout half-way would leave some garments made and the uploader with an error page."""
    if count > settings.UPLOAD_BATCH_MAX_FILES:
        raise BatchTooLarge(f"You chose {count} photos; you can upload {batch_limit_text()}. Nothing was added.")
    if total_bytes > settings.UPLOAD_BATCH_MAX_BYTES:
        raise BatchTooLarge(
            f"These photos add up to {total_bytes / (1024 * 1024):.0f} MB; you can upload {batch_limit_text()}. "
            "Nothing was added."
        )


def queue_embedding(*, garment_id: int) -> None:
    """Queue the embedding job now. A broker that is down must never fail an upload: the garment stays pending and
    the sweeper queues it again."""
    enqueue(EMBED_GARMENT, garment_id)


def _name_from_filename(filename: str) -> str:
    stem = PurePath(filename or "").stem.replace("_", " ").replace("-", " ").strip()
    return (stem or "Untitled garment")[:120]


def _store(content: bytes, folder: str) -> str:
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.jpg", ContentFile(content))


def delete_files_now(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not delete stored file %s", name)


def delete_files_on_commit(names: Iterable[str]) -> None:
    names = [n for n in names if n]
    transaction.on_commit(lambda: delete_files_now(names))


def garment_create(
    *,
    owner: AbstractBaseUser,
    image: IO[bytes],
    name: str = "",
    brand: str = "",
    category: str = "",
    colour: str = "",
    size: str = "",
    price_paid: Decimal | None = None,
    notes: str = "",
    normalised: NormalisedImage | None = None,
    season: str = "",
    keep_clean_jpeg: bool = False,
) -> Garment:
    """Validate and normalise the photo, store it with its thumbnail under unguessable names, save the garment
    (embedding pending) and queue its embedding after commit. ``keep_clean_jpeg``: see images.normalise_image
    (restoring an export keeps its already-normalised photos byte for byte).

    ``normalised``: the photo already through ``normalise_image`` (find-similar read it to embed it), so it is not
    decoded twice; ``image`` then only names the garment. Raises ImageRejected for a bad photo and ValidationError
    for bad metadata; in both cases nothing is stored.
    """
    if normalised is None:
        normalised = normalise_image(
            image, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS,
            keep_clean_jpeg=keep_clean_jpeg,
        )
    garment = Garment(
        owner=owner,
        name=(name or _name_from_filename(getattr(image, "name", ""))).strip(),
        brand=brand.strip(),
        category=category or taxonomy.OTHER,
        colour=colour,
        size=size.strip(),
        price_paid=price_paid,
        notes=notes.strip(),
        season=season,
        image_width=normalised.width,
        image_height=normalised.height,
    )
    garment.full_clean(exclude=["image", "thumbnail"])
    written: list[str] = []
    try:
        with transaction.atomic():
            garment.image.name = _store(normalised.full, "garments")
            written.append(garment.image.name)
            garment.thumbnail.name = _store(normalised.thumbnail, "garments/thumbs")
            written.append(garment.thumbnail.name)
            garment.save()
            enqueue_on_commit(EMBED_GARMENT, garment.pk)
    except BaseException:
        delete_files_now(written)
        raise
    return garment


def garment_create_batch(*, owner: AbstractBaseUser, images: Iterable[IO[bytes]]) -> BatchResult:
    """Create one garment per photo. Each photo stands alone: a rejected one is reported and the others are kept.

    Raises BatchTooLarge, before creating anything, for a batch over the count or byte limit. Photos still waiting
    when UPLOAD_BATCH_BUDGET_SECONDS have passed (a busy server) are reported as not added, so the request ends
    with a report instead of being cut off by the worker timeout half-way.
    """
    images = list(images)
    check_batch_size(count=len(images), total_bytes=sum(getattr(image, "size", 0) or 0 for image in images))
    result = BatchResult()
    deadline = time.monotonic() + settings.UPLOAD_BATCH_BUDGET_SECONDS
    for position, image in enumerate(images):
        filename = PurePath(getattr(image, "name", "") or "upload").name
        if position and time.monotonic() > deadline:
            result.rejected.append(Rejection(filename=filename, message=OUT_OF_TIME))
            continue
        try:
            result.created.append(garment_create(owner=owner, image=image))
        except ImageRejected as exc:
            result.rejected.append(Rejection(filename=filename, message=str(exc)))
        except ValidationError as exc:
            result.rejected.append(Rejection(filename=filename, message=" ".join(exc.messages)))
    return result


def garment_update(*, garment: Garment, data: dict[str, Any]) -> Garment:
    """Change a garment's editable fields (and its photo choice, PHOTO_CHOICE_FIELDS). Changing what the embedding
    reads (EMBEDDED_FIELDS) resets the embedding and queues a new one.

    What changed is judged against the stored row, not the instance: a ModelForm bound to ``garment`` has already
    copied its cleaned data onto it by the time the view calls this, so the instance alone would say "unchanged"
    and the garment would keep the vector of its upload name."""
    unknown = set(data) - set(EDITABLE_FIELDS) - set(PHOTO_CHOICE_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(garment, key, value)
    if not garment.category:
        garment.category = taxonomy.OTHER
    garment.full_clean(exclude=["image", "thumbnail"])
    with transaction.atomic():
        stored = Garment.objects.select_for_update().filter(pk=garment.pk).values(
            *EMBEDDED_FIELDS, *upload_tags.MARK_FIELDS
        ).first()
        reads_changed = stored is not None and any(stored[f] != getattr(garment, f) for f in EMBEDDED_FIELDS)
        # Saved by the owner, kept or changed: a suggested tag among them is theirs now (wardrobe.upload_tags). The
        # marks are read from the locked row: the embedding job may have set them since this instance was read.
        claimed = upload_tags.claim_fields(garment, data.keys(), stored=stored)
        garment.save(update_fields=sorted({*data.keys(), *claimed, "category", "updated_at"}))
        if reads_changed:
            garment.reset_embedding()
            enqueue_on_commit(EMBED_GARMENT, garment.pk)
    return garment


def garment_retry(*, garment: Garment) -> Garment:
    """Reset the garment's embedding to pending and queue its job again (the closet's retry button, the admin's
    re-embed action)."""
    with transaction.atomic():
        garment.reset_embedding()
        enqueue_on_commit(EMBED_GARMENT, garment.pk)
    return garment


EMBEDDING_QUEUE = "embedding"  # settings.CELERY_TASK_ROUTES sends both embedding jobs there


def lost_job_ages() -> tuple[timedelta, timedelta]:
    """How old a pending and a processing row must be before the sweepers take it back: ``(pending, processing)``.

    A processing row whose job is alive is stamped every EMBEDDING_HEARTBEAT_SECONDS (wardrobe.embedding.heartbeat),
    so one unstamped for EMBEDDING_LOST_AFTER_SECONDS lost its worker. A pending row may be waiting its turn behind
    a long queue (an import queues hundreds of jobs), so it waits EMBEDDING_STALE_AFTER_SECONDS, unless the
    embedding queue is empty: then nothing queued it (the broker was down) and EMBEDDING_LOST_AFTER_SECONDS will do.
    """
    lost = timedelta(seconds=settings.EMBEDDING_LOST_AFTER_SECONDS)
    stale = timedelta(seconds=settings.EMBEDDING_STALE_AFTER_SECONDS)
    return (min(lost, stale) if waiting_count(EMBEDDING_QUEUE) == 0 else stale), lost


def requeue_stale_garments(*, pending_older_than: timedelta, processing_older_than: timedelta) -> int:
    """Queue again the garments whose job was lost: pending longer than ``pending_older_than`` (a broker that was
    down at upload, a lost message) or processing longer than ``processing_older_than`` (past the job's hard time
    limit: its worker died). The job is idempotent, so a duplicate costs one skipped run. Returns how many."""
    now = timezone.now()
    stuck = stuck_embeddings(pending_before=now - pending_older_than, processing_before=now - processing_older_than)
    ids = list(Garment.objects.filter(stuck).values_list("pk", flat=True)[:10_000])
    for garment_id in ids:
        queue_embedding(garment_id=garment_id)
    return len(ids)


def requeue_outdated_garments(*, model_version: str, limit: int) -> int:
    """Queue up to ``limit`` ready garments whose vector another model version made (the job re-embeds a ready row
    of another version; one of this version it skips). Oldest first. Returns how many."""
    ids = Garment.outdated_ids(model_version=model_version, limit=limit)
    for garment_id in ids:
        queue_embedding(garment_id=garment_id)
    return len(ids)


@transaction.atomic
def garment_delete(*, garment: Garment) -> None:
    names = garment.stored_file_names
    garment.delete()
    delete_files_on_commit(names)


@transaction.atomic
def garment_delete_all(*, owner: AbstractBaseUser) -> int:
    """Delete every garment of a user, and their files once the deletion commits. Returns how many."""
    garments = list(Garment.objects.filter(owner=owner).only("id", "image", "thumbnail", "cutout"))
    names = [name for g in garments for name in g.stored_file_names]
    Garment.objects.filter(pk__in=[g.pk for g in garments]).delete()
    delete_files_on_commit(names)
    return len(garments)
