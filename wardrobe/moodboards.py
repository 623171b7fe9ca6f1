"""Mood boards: reads and writes of boards, their inspiration photos and the For you blend slider.

A board photo is validated and normalised like every upload (wardrobe.images), stored under unguessable names and
embedded by the same job machinery as a garment (``wardrobe.tasks.embed_board_photo``: states, retries, sweeper).
Pinning a garment or a shop item copies its photo, so the pin outlives the original; pinning the same one twice
returns the first pin. Files follow the garment rules (wardrobe.services): written inside the transaction that saves
the row and removed if it fails; removed only after a deletion commits.

Board photos are not garments: nothing here touches the closet's tables, and the closet's reads never see these.
"""
from __future__ import annotations

import uuid
from io import BytesIO
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from common.jobs import enqueue, enqueue_on_commit
from ml.images import ImageLoadError
from ml.ranking import DEFAULT_INSPIRATION_SHARE
from wardrobe.embedding import garment_text, read_stored_file
from wardrobe.images import ImageRejected, normalise_image
from wardrobe.models import (BoardPhoto, BoardPhotoSource, EmbeddingState, Garment, InspirationBlend, MoodBoard,
                             stuck_embeddings)
from wardrobe.services import delete_files_now, delete_files_on_commit

EMBED_BOARD_PHOTO = "wardrobe.tasks.embed_board_photo"
MAX_BOARDS = 50  # per user
MAX_PHOTOS_PER_BOARD = 200
DEFAULT_BOARD_NAME = "My inspiration"


class BoardFull(ValidationError):
    """A board (or a user's boards) at its limit; the message says which."""


# Reads -------------------------------------------------------------------------------------------------------------

def board_list(*, user: AbstractBaseUser) -> QuerySet[MoodBoard]:
    """The user's boards, most recently changed first, each with ``photo_count``."""
    return MoodBoard.objects.filter(owner=user).annotate(photo_count=Count("photos"))


def board_get(*, user: AbstractBaseUser, pk: int) -> MoodBoard:
    """One of the user's boards. Raises MoodBoard.DoesNotExist for anyone else's, as for a missing one."""
    return board_list(user=user).get(pk=pk)


def board_covers(*, boards: list[MoodBoard], per_board: int = 4) -> dict[int, list[BoardPhoto]]:
    """Up to ``per_board`` newest photos of each board, for the boards page's covers, in one query."""
    covers: dict[int, list[BoardPhoto]] = {}
    if not boards:
        return covers
    for photo in BoardPhoto.objects.filter(board__in=boards).defer("embedding").order_by("board_id", "-created_at", "-id"):
        shown = covers.setdefault(photo.board_id, [])
        if len(shown) < per_board:
            shown.append(photo)
    return covers


def board_photos(*, board: MoodBoard) -> QuerySet[BoardPhoto]:
    return BoardPhoto.objects.filter(board=board, owner_id=board.owner_id).defer("embedding")


def board_photo_get(*, user: AbstractBaseUser, pk: int) -> BoardPhoto:
    """One of the user's board photos. Raises BoardPhoto.DoesNotExist for anyone else's."""
    return BoardPhoto.objects.select_related("board").get(owner=user, pk=pk)


def inspiration_share(*, user: AbstractBaseUser) -> float:
    """The user's slider, or the measured default when they never moved it."""
    share = InspirationBlend.objects.filter(owner=user).values_list("share", flat=True).first()
    return DEFAULT_INSPIRATION_SHARE if share is None else float(share)


def has_blend(*, user: AbstractBaseUser) -> bool:
    return InspirationBlend.objects.filter(owner=user).exists()


@dataclass(frozen=True)
class ReadyPhoto:
    """What For you reads of an analysed board photo (its vector is read apart, only when a profile is built)."""

    pk: int
    has_text: bool  # the vector carries its own words (a pin); else it borrows them from the shop
    embedding_version: str
    embedding_updated_at: datetime | None


def ready_board_photos(*, user: AbstractBaseUser) -> list[ReadyPhoto]:
    """The user's analysed board photos, oldest first."""
    rows = BoardPhoto.objects.filter(owner=user, embedding_state=EmbeddingState.READY).order_by("pk").values_list(
        "pk", "caption", "embedding_version", "embedding_updated_at"
    )
    return [ReadyPhoto(pk, bool(caption), version, stamp) for pk, caption, version, stamp in rows]


def board_photo_vectors(*, user: AbstractBaseUser, pks: list[int]) -> dict[int, bytes]:
    """The stored vectors of the user's board photos ``pks`` (ready ones only)."""
    rows = BoardPhoto.objects.filter(owner=user, pk__in=pks, embedding_state=EmbeddingState.READY).values_list(
        "pk", "embedding"
    )
    return {pk: bytes(blob) for pk, blob in rows}


# Writes ------------------------------------------------------------------------------------------------------------

def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError({"name": "Give the board a name."})
    return name


def board_create(*, owner: AbstractBaseUser, name: str = DEFAULT_BOARD_NAME) -> MoodBoard:
    if MoodBoard.objects.filter(owner=owner).count() >= MAX_BOARDS:
        raise BoardFull(f"You can keep up to {MAX_BOARDS} boards; delete one to start another.")
    return MoodBoard.objects.create(owner=owner, name=_clean_name(name))


def board_rename(*, board: MoodBoard, name: str) -> MoodBoard:
    board.name = _clean_name(name)
    board.save(update_fields=["name", "updated_at"])
    return board


@transaction.atomic
def board_delete(*, board: MoodBoard) -> int:
    """Delete a board and its photos (their files once the deletion commits). Returns how many photos went."""
    photos = list(BoardPhoto.objects.filter(board=board).only("id", "image", "thumbnail"))
    names = [name for p in photos for name in p.stored_file_names]
    board.delete()
    delete_files_on_commit(names)
    return len(photos)


def _store(content: bytes, folder: str) -> str:
    return default_storage.save(f"{folder}/{uuid.uuid4().hex}.jpg", ContentFile(content))


def _add_photo(
    *, board: MoodBoard, image: IO[bytes], source: str, caption: str = "", shop_item_id: int | None = None,
    garment: Garment | None = None, keep_clean_jpeg: bool = False,
) -> BoardPhoto:
    normalised = normalise_image(
        image, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS, keep_clean_jpeg=keep_clean_jpeg
    )
    photo = BoardPhoto(
        board=board, owner_id=board.owner_id, source=source, caption=caption[:300], shop_item_id=shop_item_id,
        garment=garment, image_width=normalised.width, image_height=normalised.height,
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = MoodBoard.objects.select_for_update().get(pk=board.pk)  # one writer per board: the limit holds
            if BoardPhoto.objects.filter(board=locked).count() >= MAX_PHOTOS_PER_BOARD:
                raise BoardFull(f"A board holds up to {MAX_PHOTOS_PER_BOARD} photos; start another board.")
            photo.image.name = _store(normalised.full, "boards")
            written.append(photo.image.name)
            photo.thumbnail.name = _store(normalised.thumbnail, "boards/thumbs")
            written.append(photo.thumbnail.name)
            photo.save()
            locked.save(update_fields=["updated_at"])
            enqueue_on_commit(EMBED_BOARD_PHOTO, photo.pk)
    except BaseException:
        delete_files_now(written)
        raise
    return photo


def board_photo_upload(*, board: MoodBoard, image: IO[bytes]) -> BoardPhoto:
    """Add an uploaded inspiration photo. Raises ImageRejected (with the upload's message) for a bad photo and
    BoardFull at the board's limit; nothing is stored then."""
    return _add_photo(board=board, image=image, source=BoardPhotoSource.UPLOAD)


def board_pin_photo(
    *, board: MoodBoard, image: IO[bytes], caption: str, shop_item_id: int | None = None, garment: Garment | None = None
) -> tuple[BoardPhoto, bool]:
    """Pin a shop item (``shop_item_id``, its photo and words) or a garment to the board: ``(photo, created)``.
    Pinning the same one again returns the existing pin. The shop's side (recommender.services.moodboard) reads
    the item and calls this; the closet never reads the shop."""
    if (shop_item_id is None) == (garment is None):
        raise ValueError("pin exactly one of a shop item and a garment")
    if garment is not None and garment.owner_id != board.owner_id:
        raise ValidationError("You can only pin garments from your own closet.")
    existing = BoardPhoto.objects.filter(
        board=board, **({"shop_item_id": shop_item_id} if shop_item_id is not None else {"garment": garment})
    ).first()
    if existing is not None:
        return existing, False
    source = BoardPhotoSource.SHOP if shop_item_id is not None else BoardPhotoSource.GARMENT
    try:
        photo = _add_photo(
            board=board, image=image, source=source, caption=caption, shop_item_id=shop_item_id, garment=garment,
            keep_clean_jpeg=True,
        )
    except IntegrityError:  # a concurrent pin of the same one won
        return BoardPhoto.objects.get(
            board=board, **({"shop_item_id": shop_item_id} if shop_item_id is not None else {"garment": garment})
        ), False
    return photo, True


def board_pin_garment(*, board: MoodBoard, garment: Garment) -> tuple[BoardPhoto, bool]:
    """Pin one of the owner's garments (its stored photo and its name, brand, category and colour)."""
    if garment.owner_id != board.owner_id:
        raise ValidationError("You can only pin garments from your own closet.")
    try:
        data = read_stored_file(garment.image.name)
    except ImageLoadError as exc:
        raise ImageRejected("This garment's photo file is missing, so it cannot be pinned.") from exc
    return board_pin_photo(board=board, image=BytesIO(data), caption=garment_text(garment), garment=garment)


@transaction.atomic
def board_photo_delete(*, photo: BoardPhoto) -> None:
    """Remove a photo from its board (and its pull on For you); its files go once the deletion commits."""
    names = photo.stored_file_names
    board_id = photo.board_id
    photo.delete()
    MoodBoard.objects.filter(pk=board_id).update(updated_at=timezone.now())
    delete_files_on_commit(names)


def board_photo_retry(*, photo: BoardPhoto) -> BoardPhoto:
    with transaction.atomic():
        photo.reset_embedding()
        enqueue_on_commit(EMBED_BOARD_PHOTO, photo.pk)
    return photo


def requeue_outdated_board_photos(*, model_version: str, limit: int) -> int:
    """The upgrade pass over board photos (see wardrobe.services.requeue_outdated_garments)."""
    ids = BoardPhoto.outdated_ids(model_version=model_version, limit=limit)
    for photo_id in ids:
        enqueue(EMBED_BOARD_PHOTO, photo_id)
    return len(ids)


def blend_set(*, owner: AbstractBaseUser, share: float) -> float:
    """Store the user's slider (0: like my closet .. 1: like my inspiration); clipped to [0, 1]."""
    share = min(1.0, max(0.0, float(share)))
    InspirationBlend.objects.update_or_create(owner=owner, defaults={"share": share})
    return share


def requeue_stale_board_photos(*, pending_older_than: timedelta, processing_older_than: timedelta) -> int:
    """The sweeper's pass over board photos (see wardrobe.services.requeue_stale_garments)."""
    now = timezone.now()
    stuck = stuck_embeddings(pending_before=now - pending_older_than, processing_before=now - processing_older_than)
    ids = list(BoardPhoto.objects.filter(stuck).values_list("pk", flat=True)[:10_000])
    for photo_id in ids:
        enqueue(EMBED_BOARD_PHOTO, photo_id)
    return len(ids)
