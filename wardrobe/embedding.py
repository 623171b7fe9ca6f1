"""Embedding a garment: the service behind the `embed_garment` task.

The encoder configuration comes from settings and the encoder is built once per process (ml.encoders caches it), so
a worker pays the model load on its first job only. Recommender reuses `encoder_config` and `get_encoder` so closet
and inventory vectors always come from the same model.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TypeVar

import numpy as np

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from common.jobs import PhaseTimer
from ml.encoders import EncoderConfig, ItemEncoder, ModelWeightsMissing, get_item_encoder, item_text
from ml.images import ImageLoadError
from ml.vectors import to_blob
from wardrobe import colour_suggestion, cutouts, upload_tags
from wardrobe.models import BoardPhoto, EmbeddingState, Garment

EmbeddedRow = TypeVar("EmbeddedRow", Garment, BoardPhoto)

logger = logging.getLogger(__name__)

# Errors that another attempt cannot fix: the user sees the message and a retry button.
PERMANENT_ERRORS = (ImageLoadError, ModelWeightsMissing, ValueError)


class Outcome(str, Enum):
    READY = "ready"
    SKIPPED = "skipped"  # a vector of the current model version already exists
    SUPERSEDED = "superseded"  # reset (edited) or deleted while the job ran: its result would be stale
    FAILED = "failed"
    MISSING = "missing"


def encoder_config() -> EncoderConfig:
    """The encoder the settings ask for (ML_IMAGE_BACKBONE, ML_IMAGE_INPUT_SIZE, ML_IMAGE_WEIGHTS, ...)."""
    return EncoderConfig(
        backbone=settings.ML_IMAGE_BACKBONE,
        input_size=settings.ML_IMAGE_INPUT_SIZE,
        weights=settings.ML_IMAGE_WEIGHTS or None,
        resnet50_weights=settings.ML_RESNET50_WEIGHTS or None,
        image_weight=settings.ML_IMAGE_WEIGHT,
        device=settings.ML_DEVICE,
    )


_encoder_lock = threading.Lock()


def get_encoder() -> ItemEncoder:
    """The process's encoder, built on first use. One build at a time: a job or request that arrives while the
    background warm-up builds it waits for that build instead of paying for a second one."""
    with _encoder_lock:
        return get_item_encoder(encoder_config())


def warm_encoder_in_background() -> threading.Thread:
    """Start building the encoder in a daemon thread and return at once.

    Loading the models takes 5-20 s. A Celery pool child that loads them before answering its parent is killed
    after 4 s ("Timed out waiting for UP message"), again and again after every respawn; a web worker that loads them
    on its first find-similar spends its request budget on it. Here the process starts serving at once and the
    first caller of ``get_encoder`` waits only for what is left of the load.
    """

    def warm() -> None:
        started = time.perf_counter()
        try:
            get_encoder()
        except Exception:  # noqa: BLE001 - the first job or request loads it again and reports the error itself
            logger.exception("encoder warm-up failed; the first caller loads it")
        else:
            logger.info("encoder loaded in the background in %.1fs", time.perf_counter() - started)

    thread = threading.Thread(target=warm, name="encoder-warm-up", daemon=True)
    thread.start()
    return thread


def read_stored_file(name: str) -> bytes:
    """Bytes of a stored file. A missing file is permanent (ImageLoadError); other OSErrors are transient."""
    try:
        with default_storage.open(name, "rb") as fh:
            return fh.read()
    except FileNotFoundError as exc:
        raise ImageLoadError(f"the stored photo {name} is missing") from exc


def garment_text(garment: Garment) -> str:
    return item_text(
        name=garment.name, brand=garment.brand, category=garment.get_category_display(), colour=garment.get_colour_display()
    )


@contextmanager
def heartbeat(model: type[models.Model], ids: list[int], *, every: float | None = None) -> Iterator[None]:
    """While the block runs, stamp ``embedding_updated_at`` of the rows still processing every ``every`` seconds
    (EMBEDDING_HEARTBEAT_SECONDS), from a thread with its own database connection.

    A row processing with an old stamp then means its worker is gone (killed whole, the host lost), so the sweeper
    takes it back after EMBEDDING_LOST_AFTER_SECONDS instead of the job's hard time limit; a slow job that is alive
    keeps its rows. Use it around the phases that hold no row lock (read and embed)."""
    every = settings.EMBEDDING_HEARTBEAT_SECONDS if every is None else every
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(every):
                model.objects.filter(pk__in=ids, embedding_state=EmbeddingState.PROCESSING).update(
                    embedding_updated_at=timezone.now()
                )
        except Exception:  # noqa: BLE001 - a missed beat costs at worst a duplicate job, never this one
            logger.warning("embedding heartbeat stopped", exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name="embedding-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def embed_garment(*, garment_id: int) -> Outcome:
    """Embed one garment: pending|processing -> processing -> ready, or failed with a message the user can read.

    Idempotent: a garment that already holds a vector of the current model version is left alone. Transient errors
    (storage or database hiccups) propagate so the task retries; permanent ones mark the garment failed. Logs one
    line per job: the id, the outcome and the seconds of each phase.
    """
    return _embed_logged(Garment, garment_id, "embed_garment garment")


def embed_board_photo(*, photo_id: int) -> Outcome:
    """Embed one mood-board photo, as ``embed_garment`` does a garment (same states, retries and log line)."""
    return _embed_logged(BoardPhoto, photo_id, "embed_board_photo photo")


def _embed_logged(model: type[EmbeddedRow], pk: int, what: str) -> Outcome:
    timer = PhaseTimer()
    label = "error"  # a transient error propagates to the task's retry
    try:
        outcome = _embed_row(model, pk, timer)
        label = outcome.value
    finally:
        logger.info("%s=%s outcome=%s %s", what, pk, label, timer)
    return outcome


def _row_vector(encoder: ItemEncoder, photo: bytes, row: Garment | BoardPhoto) -> np.ndarray:
    """A garment reads its photo and its texts; a board photo its photo and its caption (a pinned item's words), or
    the photo alone (text block zero) when it has none: it borrows its text from the shop when it is used."""
    if isinstance(row, Garment):
        return encoder.embed([photo], [garment_text(row)])[0]
    if row.caption:
        return encoder.embed([photo], [row.caption])[0]
    return encoder.embed_images_only([photo])[0]


def _embed_row(model: type[EmbeddedRow], pk: int, timer: PhaseTimer) -> Outcome:
    encoder = get_encoder()
    timer.lap("model")
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            return Outcome.MISSING
        if row.embedding_state == EmbeddingState.READY and row.embedding_version == encoder.version:
            return Outcome.SKIPPED
        if row.embedding_state == EmbeddingState.READY:
            row.reset_embedding()
        row.mark_processing()
    timer.lap("lock")
    try:
        with heartbeat(model, [pk]):
            photo = read_stored_file(row.image.name)
            timer.lap("read")
            # A closet photo's background (a bed, a floor) is not the garment: embed the cut-out on white, as the
            # catalogue photos are, unless its owner chose the original; the stored original is untouched.
            made = cutouts.embedding_input(row, photo)
            timer.lap("mask")
            vector = _row_vector(encoder, made.image, row)
            timer.lap("embed")
    except PERMANENT_ERRORS as exc:
        return _fail(model, pk, f"We could not analyse this photo: {exc}")
    colour = _colour_opinion(made)
    timer.lap("colour")
    vector = upload_tags.apply_upload_tags(row, vector, encoder, text_of=garment_text, colour=colour)
    timer.lap("tags")
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.embedding_state != EmbeddingState.PROCESSING:
            return Outcome.SUPERSEDED
        row.mark_ready(to_blob(vector), encoder.version)
        cutouts.keep_cutout(row, made.cutout)
        if isinstance(row, Garment):
            row.colour_model_guess = colour_suggestion.opinion_to_json(colour)
            row.save(update_fields=["colour_model_guess"])
    timer.lap("store")
    return Outcome.READY


def _colour_opinion(made: cutouts.EmbeddingInput) -> colour_suggestion.ColourOpinion | None:
    """The colour model's reading of a garment's pixels under the mask the job made (a board photo has no mask
    handed on: it has no colour field). None when the model cannot say; never raises."""
    if made.pixels is None or made.mask is None:
        return None
    return colour_suggestion.model_opinion(made.pixels, made.mask, weights=settings.ML_COLOUR_WEIGHTS)


def _fail(model: type[EmbeddedRow], pk: int, message: str) -> Outcome:
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.embedding_state not in (EmbeddingState.PENDING, EmbeddingState.PROCESSING):
            return Outcome.SUPERSEDED
        row.mark_failed(message)
    logger.warning("%s %s embedding failed: %s", model._meta.verbose_name, pk, message)
    return Outcome.FAILED


def embedding_gave_up(*, garment_id: int, error: str) -> None:
    """The task ran out of retries on a transient error: tell the user, who can retry."""
    _fail(Garment, garment_id, f"Style analysis kept failing ({error}). Try again in a moment.")


def board_photo_embedding_gave_up(*, photo_id: int, error: str) -> None:
    _fail(BoardPhoto, photo_id, f"Style analysis kept failing ({error}). Try again in a moment.")
