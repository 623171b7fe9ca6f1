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


def outdated_embeddings(model_version: str) -> models.Q:
    """The ready rows whose vector another model made (the encoder's weights, size or text model changed since):
    they still serve, and the sweepers re-embed them a batch at a time when the embedding queue is idle (a garment
    or board photo is out of use while its own job runs; an inventory item keeps its old vector until the new one)."""
    return models.Q(embedding_state=EmbeddingState.READY) & ~models.Q(embedding_version=model_version)


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

    @classmethod
    def outdated_ids(cls, *, model_version: str, limit: int) -> list[int]:
        """Up to ``limit`` pks of this model's ready rows whose vector another model version made, oldest first:
        the upgrade pass's next batch (``outdated_embeddings``)."""
        rows = cls._default_manager.filter(outdated_embeddings(model_version)).order_by("embedding_updated_at", "pk")
        return list(rows.values_list("pk", flat=True)[: max(0, limit)])

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
    # The background-removed photo the embedding job made (wardrobe.cutouts); empty when nothing was cut away.
    cutout = models.ImageField(max_length=200, blank=True)
    # The owner's choice: embed (and show) the cut-out, or the photo as taken.
    use_cutout = models.BooleanField(default=True)

    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=80, blank=True)
    category = models.CharField(max_length=20, choices=taxonomy.CATEGORY_CHOICES, default=taxonomy.OTHER)
    colour = models.CharField(max_length=20, choices=taxonomy.COLOUR_CHOICES, blank=True)
    size = models.CharField(max_length=20, blank=True)
    price_paid = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))]
    )
    notes = models.TextField(blank=True, max_length=2000)
    season = models.CharField(max_length=12, choices=taxonomy.SEASON_CHOICES, blank=True)
    tags = models.ManyToManyField("wardrobe.Tag", blank=True, related_name="garments")
    # Null: in the closet. Set: archived (kept, with its wears, but out of the closet and the recommendations).
    archived_at = models.DateTimeField(null=True, blank=True)
    # Tags the embedding job read from the photo (wardrobe.upload_tags): the fields it filled in, still marked as
    # suggested until the owner saves them, and the guesses too unsure to apply ({field: {"value", "confidence"}}),
    # offered on the page. ``tags_suggested_at`` is when that ran, so it runs once per garment.
    suggested_fields = models.JSONField(default=list, blank=True)
    tag_offers = models.JSONField(default=dict, blank=True)
    tags_suggested_at = models.DateTimeField(null=True, blank=True)
    # The colour model's reading of the photo's own pixels ({"value", "confidence"}; empty when it could not read
    # them), remade by every embedding: the edit form's colour suggestion combines it with a fresh vote
    # (wardrobe.colour_suggestion), since the model never runs in a request.
    colour_model_guess = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="garment_owner_recent"),
            models.Index(fields=["owner", "category"], name="garment_owner_category"),
            models.Index(fields=["owner", "archived_at"], name="garment_owner_archived"),
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
    def cutout_url(self) -> str:
        """The cut-out, owner-checked like the photo; "" when there is none. Its file name changes each time the job
        makes it again, so a cached copy is never shown after a change."""
        if not self.cutout:
            return ""
        stamp = self.cutout.name.rsplit("/", 1)[-1][:8]
        return f'{reverse("wardrobe:garment-image", args=[self.pk, "cutout"])}?v={stamp}'

    @property
    def shows_cutout(self) -> bool:
        """Whether the embedding reads the cut-out, so the garment page shows it."""
        return bool(self.cutout) and self.use_cutout

    @property
    def stored_file_names(self) -> list[str]:
        return [name for name in (self.image.name, self.thumbnail.name, self.cutout.name) if name]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Tag(models.Model):
    """A free label a user puts on garments ("work", "gift from mum"). One row per owner and normalised spelling
    (taxonomy.normalise_tag), so a tag is renamed or counted in one place; a plain table rather than an ArrayField
    because the embedded default database is SQLite."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="garment_tags")
    name = models.CharField(max_length=taxonomy.TAG_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="tag_unique_per_owner"),
            models.CheckConstraint(condition=~models.Q(name=""), name="tag_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Outfit(models.Model):
    """A named, ordered set of the owner's garments. The cover is a collage made from the garments' photos
    (wardrobe.collage) each time the garments change."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outfits")
    name = models.CharField(max_length=120)
    occasion = models.CharField(max_length=20, choices=taxonomy.OCCASION_CHOICES, blank=True)
    season = models.CharField(max_length=12, choices=taxonomy.SEASON_CHOICES, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    cover = models.ImageField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="outfit_owner_recent")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wardrobe:outfit-detail", args=[self.pk])

    @property
    def cover_url(self) -> str:
        """Covers are served through an owner-checked view, like garment photos."""
        if not self.cover:
            return ""
        # The cover's file name changes with every new collage, so a cached copy is never shown for a changed outfit.
        return f'{reverse("wardrobe:outfit-cover", args=[self.pk])}?v={self.cover.name.rsplit("/", 1)[-1][:8]}'


class OutfitItem(models.Model):
    """One garment's place in an outfit. The garment is SET_NULL on delete so the outfit survives and shows the
    piece as removed, by the name it had (`name_snapshot`)."""

    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="items")
    garment = models.ForeignKey(Garment, null=True, blank=True, on_delete=models.SET_NULL, related_name="outfit_items")
    position = models.PositiveSmallIntegerField()
    slot = models.CharField(max_length=12, choices=taxonomy.SLOT_CHOICES)
    name_snapshot = models.CharField(max_length=120)

    class Meta:
        ordering = ["outfit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["outfit", "position"], name="outfit_item_unique_position"),
            models.UniqueConstraint(
                fields=["outfit", "garment"], condition=models.Q(garment__isnull=False), name="outfit_item_unique_garment"
            ),
        ]

    def __str__(self) -> str:
        return self.name_snapshot

    @property
    def is_removed(self) -> bool:
        return self.garment_id is None


class Wear(models.Model):
    """One log entry: the owner wore a garment, or an outfit, on a date. Several per day are allowed.

    `garments` is what was worn, fixed when the entry is logged (the garment itself, or the outfit's garments then),
    so editing an outfit later does not rewrite history and every per-garment count is one aggregate over one join.
    Deleting a garment drops its own entries; deleting an outfit keeps its entries (and the garment counts) with the
    outfit shown as deleted. Future plans are a separate table (Plan): a wear is always something that happened.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wears")
    date = models.DateField()
    garment = models.ForeignKey(Garment, null=True, blank=True, on_delete=models.CASCADE, related_name="wears")
    outfit = models.ForeignKey(Outfit, null=True, blank=True, on_delete=models.SET_NULL, related_name="wears")
    garments = models.ManyToManyField(Garment, blank=True, related_name="worn_in")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "date"], name="wear_owner_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(garment__isnull=True) | models.Q(outfit__isnull=True), name="wear_garment_or_outfit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.garment or self.outfit or 'deleted outfit'}"


class Plan(models.Model):
    """An outfit planned for a (future) date. Kept apart from Wear so that no count, cost per wear or "forgotten"
    date can ever include something not yet worn; `plan_mark_worn` turns a plan into a Wear."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans")
    date = models.DateField()
    outfit = models.ForeignKey(Outfit, on_delete=models.CASCADE, related_name="plans")
    notes = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "created_at", "id"]
        indexes = [models.Index(fields=["owner", "date"], name="plan_owner_date")]
        constraints = [
            models.UniqueConstraint(fields=["owner", "date", "outfit"], name="plan_unique_outfit_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.outfit}"


class MoodBoard(models.Model):
    """A named set of inspiration photos (BoardPhoto). Boards are not part of the closet: their photos never count
    as garments, in the closet, its stats or its export's garment list."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_boards")
    name = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="board_owner_recent")]
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="board_name_not_empty")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wardrobe:board-detail", args=[self.pk])


class BoardPhotoSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded photo"
    SHOP = "shop", "Shop item"
    GARMENT = "garment", "From your closet"


class BoardPhoto(EmbeddedModel):
    """One inspiration photo on a board: an upload, or a pinned shop item or garment (its photo copied, so the pin
    outlives the item). Embedded by the same job machinery as garments (EmbeddedModel's states, retries, sweeper).

    ``caption`` is the text the embedding reads: a pinned item's name, brand and category; empty for an upload, whose
    vector is then photo-only and borrows its text from its nearest shop items when it is used (as a find-similar
    photo does). ``owner`` repeats the board's owner so every read filters on one indexed column; the services keep
    the two equal. ``shop_item_id`` is a plain number: the closet does not depend on the shop."""

    board = models.ForeignKey(MoodBoard, on_delete=models.CASCADE, related_name="photos")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="board_photos")
    image = models.ImageField(max_length=200)
    thumbnail = models.ImageField(max_length=200)
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=BoardPhotoSource.choices, default=BoardPhotoSource.UPLOAD)
    shop_item_id = models.PositiveIntegerField(null=True, blank=True)
    garment = models.ForeignKey(Garment, null=True, blank=True, on_delete=models.SET_NULL, related_name="board_pins")
    caption = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "embedding_state"], name="board_photo_owner_state")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(embedding_state=EmbeddingState.READY) | models.Q(embedding__isnull=False),
                name="board_photo_ready_has_embedding",
            ),
            models.UniqueConstraint(
                fields=["board", "shop_item_id"], condition=models.Q(shop_item_id__isnull=False),
                name="board_photo_unique_shop_item",
            ),
            models.UniqueConstraint(
                fields=["board", "garment"], condition=models.Q(garment__isnull=False), name="board_photo_unique_garment"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """What a card names it by: the pinned item's words, else "Inspiration photo of <date>"."""
        if self.caption:
            return self.caption if len(self.caption) <= 60 else self.caption[:59].rstrip() + "…"
        return f"Inspiration photo of {self.created_at:%-d %b}" if self.created_at else "Inspiration photo"

    @property
    def image_url(self) -> str:
        return reverse("wardrobe:board-photo-image", args=[self.pk, "full"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("wardrobe:board-photo-image", args=[self.pk, "thumb"])

    @property
    def stored_file_names(self) -> list[str]:
        return [name for name in (self.image.name, self.thumbnail.name) if name]


class InspirationBlend(models.Model):
    """The user's For you slider, "more like my closet" (0) to "more like my inspiration" (1). No row: the default
    (ml.ranking.DEFAULT_INSPIRATION_SHARE)."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="inspiration_blend"
    )
    share = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(share__gte=0) & models.Q(share__lte=1), name="blend_share_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.share:.2f}"
