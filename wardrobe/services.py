"""Writes to the closet. Views, API views, admin and commands call these; none of them touch Garment rows directly.

Files and rows stay consistent: files are written inside the transaction that saves the row and removed again if
it fails; files of deleted garments are removed only after the deletion commits.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from wardrobe import taxonomy
from wardrobe.images import ImageRejected, normalise_image
from wardrobe.models import Garment

__all__ = [
    "BatchResult",
    "ImageRejected",
    "Rejection",
    "garment_create",
    "garment_create_batch",
    "garment_delete",
    "garment_delete_all",
    "garment_update",
    "queue_embedding",
]

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "brand", "category", "colour", "size", "price_paid", "season", "notes")
# The embedding reads the photo and these texts (wardrobe.embedding.garment_text); changing them makes the stored
# vector stale.
EMBEDDED_TEXT_FIELDS = ("name", "brand", "category", "colour")


@dataclass(frozen=True)
class Rejection:
    filename: str
    message: str


@dataclass
class BatchResult:
    created: list[Garment] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def queue_embedding(*, garment_id: int) -> None:
    """Queue the embedding job. A broker that is down must never fail an upload: the garment stays pending and
    can be re-queued later."""
    from wardrobe.tasks import embed_garment

    try:
        embed_garment.delay(garment_id)
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.warning("could not queue embed_garment(%s), left pending: %s", garment_id, exc)


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
    season: str = "",
    keep_clean_jpeg: bool = False,
) -> Garment:
    """Validate and normalise the photo, store it with its thumbnail under unguessable names, save the garment
    (embedding pending) and queue its embedding after commit. ``keep_clean_jpeg``: see images.normalise_image
    (restoring an export keeps its already-normalised photos byte for byte).

    Raises ImageRejected for a bad photo and ValidationError for bad metadata; in both cases nothing is stored.
    """
    normalised = normalise_image(
        image, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS, keep_clean_jpeg=keep_clean_jpeg
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
            garment_id = garment.pk
            transaction.on_commit(lambda: queue_embedding(garment_id=garment_id))
    except BaseException:
        delete_files_now(written)
        raise
    return garment


def garment_create_batch(*, owner: AbstractBaseUser, images: Iterable[IO[bytes]]) -> BatchResult:
    """Create one garment per photo. Each photo stands alone: a rejected one is reported and the others are kept."""
    result = BatchResult()
    for image in images:
        filename = PurePath(getattr(image, "name", "") or "upload").name
        try:
            result.created.append(garment_create(owner=owner, image=image))
        except ImageRejected as exc:
            result.rejected.append(Rejection(filename=filename, message=str(exc)))
        except ValidationError as exc:
            result.rejected.append(Rejection(filename=filename, message=" ".join(exc.messages)))
    return result


def garment_update(*, garment: Garment, data: dict[str, Any]) -> Garment:
    """Change a garment's editable fields. Editing what the embedding reads (EMBEDDED_TEXT_FIELDS) resets the
    embedding and queues a new one."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"Not editable: {', '.join(sorted(unknown))}.")
    text_changed = False
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if key in EMBEDDED_TEXT_FIELDS and getattr(garment, key) != value:
            text_changed = True
        setattr(garment, key, value)
    if not garment.category:
        garment.category = taxonomy.OTHER
    garment.full_clean(exclude=["image", "thumbnail"])
    with transaction.atomic():
        garment.save(update_fields=sorted({*data.keys(), "category", "updated_at"}))
        if text_changed:
            garment.reset_embedding()
            garment_id = garment.pk
            transaction.on_commit(lambda: queue_embedding(garment_id=garment_id))
    return garment


@transaction.atomic
def garment_delete(*, garment: Garment) -> None:
    names = garment.stored_file_names
    garment.delete()
    delete_files_on_commit(names)


@transaction.atomic
def garment_delete_all(*, owner: AbstractBaseUser) -> int:
    """Delete every garment of a user, and their files once the deletion commits. Returns how many."""
    garments = list(Garment.objects.filter(owner=owner).only("id", "image", "thumbnail"))
    names = [name for g in garments for name in g.stored_file_names]
    Garment.objects.filter(pk__in=[g.pk for g in garments]).delete()
    delete_files_on_commit(names)
    return len(garments)
