from __future__ import annotations

from django.contrib import admin, messages
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html

from wardrobe import services
from wardrobe.models import Garment


@admin.register(Garment)
class GarmentAdmin(admin.ModelAdmin):
    """Staff view of every closet. Photos come through an admin-only view, so they stay off MEDIA_URL; garments are
    added through the site (the upload service), and deletions go through the service so files are removed."""

    class Media:
        css = {"all": ["css/admin-extra.css"]}  # the photo sizes (the CSP allows no inline styles)

    list_display = ["thumb", "name", "brand", "owner", "category", "colour", "embedding_state", "created_at"]
    list_display_links = ["thumb", "name"]
    list_filter = ["category", "colour", "embedding_state", "created_at"]
    search_fields = ["name", "brand", "owner__username", "owner__email"]
    list_select_related = ["owner"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "owner", "preview", "image_width", "image_height", "embedding_state", "embedding_error",
        "embedding_version", "embedding_updated_at", "created_at", "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["owner", "preview", "name", "brand", "category", "colour", "size", "price_paid", "notes"]}),
        ("Photo", {"fields": ["image_width", "image_height"]}),
        ("Embedding", {"fields": ["embedding_state", "embedding_error", "embedding_version", "embedding_updated_at"]}),
        ("Timestamps", {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["requeue_embedding"]

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/photo/<str:variant>/",
                self.admin_site.admin_view(self.photo_view),
                name="wardrobe_garment_photo",
            )
        ]
        return extra + super().get_urls()

    def photo_view(self, request: HttpRequest, pk: int, variant: str) -> FileResponse:
        if not self.has_view_permission(request):
            raise Http404
        garment = Garment.objects.filter(pk=pk).first()
        if garment is None:
            raise Http404
        name = garment.thumbnail.name if variant == "thumb" else garment.image.name
        try:
            return FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
        except (OSError, ValueError):
            raise Http404 from None

    @admin.display(description="Photo")
    def thumb(self, garment: Garment) -> str:
        url = reverse("admin:wardrobe_garment_photo", args=[garment.pk, "thumb"])
        return format_html('<img src="{}" alt="" class="admin-garment-thumb">', url)

    @admin.display(description="Photo")
    def preview(self, garment: Garment) -> str:
        url = reverse("admin:wardrobe_garment_photo", args=[garment.pk, "full"])
        return format_html('<img src="{}" alt="" class="admin-garment-preview">', url)

    def save_model(self, request: HttpRequest, obj: Garment, form, change: bool) -> None:
        changed = {f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS}
        if changed:
            services.garment_update(garment=Garment.objects.get(pk=obj.pk), data=changed)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: Garment) -> None:
        services.garment_delete(garment=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Garment]) -> None:
        for garment in queryset:
            services.garment_delete(garment=garment)

    @admin.action(description="Re-compute the embedding of the selected garments")
    def requeue_embedding(self, request: HttpRequest, queryset: QuerySet[Garment]) -> None:
        for garment in queryset:
            services.garment_retry(garment=garment)
        self.message_user(request, f"Queued {queryset.count()} garment(s) for embedding.", messages.SUCCESS)
