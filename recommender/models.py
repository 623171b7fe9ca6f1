"""Retail inventory, the versions of the nearest-neighbour index built from it, import jobs and a job lock."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from wardrobe import taxonomy
from wardrobe.models import EmbeddedModel, EmbeddingState, InvalidEmbeddingTransition

__all__ = ["EmbeddedModel", "EmbeddingState", "Feedback", "ImportJob", "IndexVersion", "InventoryItem", "InvalidEmbeddingTransition", "JobLock"]


class InventoryItem(EmbeddedModel):
    """One retail product the site can recommend. Retired items (is_active False) are never recommended."""

    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    brand = models.CharField(max_length=80, blank=True)
    master_category = models.CharField(max_length=40, blank=True)
    sub_category = models.CharField(max_length=40, blank=True)
    article_type = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, choices=taxonomy.CATEGORY_CHOICES, default=taxonomy.OTHER, db_index=True)
    colour = models.CharField(max_length=20, choices=taxonomy.COLOUR_CHOICES, blank=True)
    base_colour = models.CharField(max_length=40, blank=True)
    gender = models.CharField(max_length=20, blank=True, db_index=True)
    season = models.CharField(max_length=20, blank=True)
    usage = models.CharField(max_length=30, blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    currency = models.CharField(max_length=3, blank=True)
    sizes = models.JSONField(default=list, blank=True)
    product_url = models.URLField(max_length=500, blank=True)
    image = models.ImageField(max_length=200, upload_to="inventory")
    thumbnail = models.ImageField(max_length=200, upload_to="inventory/thumbs")
    is_active = models.BooleanField(default=True, db_index=True)
    # Hash of what the import read for this row: an unchanged row is skipped, a changed photo or text re-embeds.
    source_hash = models.CharField(max_length=64, blank=True)
    embed_input_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["is_active", "embedding_state"], name="inventory_active_state")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(embedding_state=EmbeddingState.READY) | models.Q(embedding__isnull=False),
                name="inventory_ready_has_embedding",
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name="inventory_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"

    def save(self, *args, **kwargs) -> None:
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class IndexVersion(models.Model):
    """One built index folder. Exactly one row at most is current; switching is one transaction."""

    version = models.CharField(max_length=64, unique=True)
    folder = models.CharField(max_length=500)
    model_version = models.CharField(max_length=200)
    item_count = models.PositiveIntegerField()
    # The newest updated_at among the inventory when it was read: a later change means the index is stale.
    inventory_updated_at = models.DateTimeField(null=True, blank=True)
    built_at = models.DateTimeField(default=timezone.now)
    build_seconds = models.FloatField(default=0.0)
    is_current = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-built_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=models.Q(is_current=True), name="one_current_index")
        ]
        # The admin's index page: previewing shows a chosen user's closet-derived recommendations (private data), and
        # a rebuild costs minutes of CPU; neither follows from the default view/change permissions.
        permissions = [
            ("preview_recommendations", "Can preview any user's recommendations"),
            ("rebuild_index", "Can rebuild the recommendation index now"),
        ]

    def __str__(self) -> str:
        return f"{self.version} ({self.item_count} items{', current' if self.is_current else ''})"


class JobLock(models.Model):
    """A named lock row: the fallback for databases without advisory locks (SQLite, the embedded default)."""

    name = models.CharField(max_length=64, primary_key=True)
    holder = models.CharField(max_length=200)
    expires_at = models.DateTimeField()


class ImportJob(models.Model):
    """An inventory import started from the admin: uploaded files, progress while a worker runs it, the report."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    csv_file = models.FileField(upload_to="imports", max_length=200)
    images_zip = models.FileField(upload_to="imports", max_length=200, blank=True)
    embed = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    bad_rows = models.JSONField(default=list, blank=True)  # [{"row": 12, "external_id": "...", "reason": "..."}]
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else (100 if self.status == "done" else 0)


class Feedback(models.Model):
    """A user's verdict on one inventory item: a like pulls their recommendations toward it; a hide or "not my
    style" pushes them away and keeps the item out of every list. One verdict per user and item (the latest wins)."""

    class Kind(models.TextChoices):
        LIKE = "like", "Like"
        HIDE = "hide", "Hide"
        NOT_MY_STYLE = "not_my_style", "Not my style"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="item_feedback")
    item = models.ForeignKey(InventoryItem, on_delete=models.CASCADE, related_name="feedback")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="one_feedback_per_user_item")]
        indexes = [models.Index(fields=["user", "kind"], name="feedback_user_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.item_id}"
