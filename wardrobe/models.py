from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from wardrobe import taxonomy


class InvalidEmbeddingTransition(Exception):
    """A row's embedding state was asked to move along an edge the state machine does not have."""


class EmbeddingState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def stuck_embeddings(*, pending_before: datetime, processing_before: datetime) -> models.Q:
    """The rows whose job was lost: pending since before ``pending_before`` (the broker was down, or a message
    vanished) or processing since before ``processing_before`` (the job's hard time limit has passed, so its worker
    died). ``embedding_updated_at`` is when the state last changed; rows that never changed state count from
    ``updated_at``. The state is indexed and few rows are unfinished, so the sweep reads only those."""

    def since_before(moment: datetime) -> models.Q:
        return models.Q(embedding_updated_at__lte=moment) | models.Q(
            embedding_updated_at__isnull=True, updated_at__lte=moment
        )

    return models.Q(embedding_state=EmbeddingState.PENDING) & since_before(pending_before) | models.Q(
        embedding_state=EmbeddingState.PROCESSING
    ) & since_before(processing_before)


class EmbeddedModel(models.Model):
    """The embedding of a row (a closet garment, an inventory item) and its state machine.

    pending -> processing -> ready | failed; any state -> pending (reset, e.g. after an edit that changes what the
    embedding reads). Only a processing row may become ready, so a worker that finishes after a reset cannot store a
    stale vector. Vectors are float32 little-endian bytes with the version of the model that made them, so an index
    can always be rebuilt from the database.
    """

    embedding_state = models.CharField(
        max_length=12, choices=EmbeddingState.choices, default=EmbeddingState.PENDING, db_index=True
    )
    embedding_error = models.TextField(blank=True)
    embedding = models.BinaryField(null=True, blank=True, editable=False)  # float32 little-endian bytes
    embedding_version = models.CharField(max_length=200, blank=True)
    embedding_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    # Embedding transitions. Each saves only the fields it changes, so it never overwrites a concurrent edit.
    _EMBEDDING_FIELDS = ["embedding_state", "embedding_error", "embedding", "embedding_version", "embedding_updated_at"]

    def mark_processing(self) -> None:
        self.embedding_state = EmbeddingState.PROCESSING
        self.embedding_error = ""
        self.embedding_updated_at = timezone.now()  # when the job took it: the sweeper's clock for a dead worker
        self.save(update_fields=["embedding_state", "embedding_error", "embedding_updated_at"])

    def mark_ready(self, vector: bytes, version: str) -> None:
        if self.embedding_state != EmbeddingState.PROCESSING:
            raise InvalidEmbeddingTransition(f"{self._meta.verbose_name} {self.pk}: ready is reachable only from processing, not {self.embedding_state}")
        vector = bytes(vector)
        if not vector or len(vector) % 4:
            raise ValueError(f"an embedding is non-empty float32 bytes; got {len(vector)} bytes")
        if not version:
            raise ValueError("an embedding needs the version of the model that made it")
        self.embedding_state = EmbeddingState.READY
        self.embedding = vector
        self.embedding_version = version
        self.embedding_error = ""
        self.embedding_updated_at = timezone.now()
        self.save(update_fields=self._EMBEDDING_FIELDS)

    def mark_failed(self, error: str) -> None:
        if self.embedding_state not in (EmbeddingState.PENDING, EmbeddingState.PROCESSING):
            raise InvalidEmbeddingTransition(f"{self._meta.verbose_name} {self.pk}: cannot fail from {self.embedding_state}")
        self.embedding_state = EmbeddingState.FAILED
        self.embedding_error = (error or "unknown error")[:2000]
        self.embedding_updated_at = timezone.now()
        self.save(update_fields=["embedding_state", "embedding_error", "embedding_updated_at"])

    def reset_embedding(self) -> None:
        self.embedding_state = EmbeddingState.PENDING
        self.embedding = None
        self.embedding_version = ""
        self.embedding_error = ""
        self.embedding_updated_at = timezone.now()  # pending since now, not since the row's last edit
        self.save(update_fields=self._EMBEDDING_FIELDS)


class Garment(EmbeddedModel):
    """One piece of clothing a user owns: a normalised photo, a thumbnail, what the user says about it, and the
    embedding the recommender learns from.

    The embedding fields and transitions come from EmbeddedModel.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garments")
    image = models.ImageField(max_length=200)
    thumbnail = models.ImageField(max_length=200)
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)

    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=80, blank=True)
    category = models.CharField(max_length=20, choices=taxonomy.CATEGORY_CHOICES, default=taxonomy.OTHER)
    colour = models.CharField(max_length=20, choices=taxonomy.COLOUR_CHOICES, blank=True)
    size = models.CharField(max_length=20, blank=True)
    price_paid = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    notes = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="garment_owner_recent"),
            models.Index(fields=["owner", "category"], name="garment_owner_category"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(embedding_state=EmbeddingState.READY) | models.Q(embedding__isnull=False),
                name="garment_ready_has_embedding",
            ),
            models.CheckConstraint(
                condition=models.Q(price_paid__isnull=True) | models.Q(price_paid__gte=0),
                name="garment_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wardrobe:garment-detail", args=[self.pk])

    @property
    def image_url(self) -> str:
        """Images are served through an owner-checked view, never straight from MEDIA_URL."""
        return reverse("wardrobe:garment-image", args=[self.pk, "full"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("wardrobe:garment-image", args=[self.pk, "thumb"])

    @property
    def stored_file_names(self) -> list[str]:
        return [name for name in (self.image.name, self.thumbnail.name) if name]
