"""Inventory curation: thumbnails, search, filters, actions (activate, retire, re-embed, rebuild the index), an index
state page with a recommendation preview for a chosen user, and inventory import with a polled progress bar.

Being staff only opens the admin: every view and action here checks the model permission it needs, and the two
things the default permissions do not cover have their own (IndexVersion.Meta.permissions): previewing a user's
recommendations (it reads their closet) and rebuilding the index."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from recommender import selectors, services
from recommender.models import ImportJob, IndexVersion, InventoryItem

PREVIEW_PERMISSION = "recommender.preview_recommendations"
REBUILD_PERMISSION = "recommender.rebuild_index"
INDEX_VIEW_PERMISSION = "recommender.view_indexversion"


def _require(request: HttpRequest, *perms: str) -> None:
    if not request.user.has_perms(perms):
        raise PermissionDenied


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ("thumb", "name", "brand", "category", "gender", "price", "embedding_state", "is_active")
    list_display_links = ("thumb", "name")
    list_filter = ("category", "gender", "embedding_state", "is_active")
    search_fields = ("external_id", "name", "brand", "article_type")
    list_per_page = 50
    readonly_fields = ("embedding_state", "embedding_error", "embedding_version", "embedding_updated_at", "source_hash", "created_at", "updated_at")
    exclude = ("embed_input_hash",)
    actions = ("activate", "retire", "reembed", "rebuild_now")
    change_list_template = "admin/recommender/inventoryitem/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding")

    @admin.display(description="Photo")
    def thumb(self, item: InventoryItem) -> str:
        if not item.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" alt="" class="admin-thumb" loading="lazy">',
            reverse("recommender:item-image", args=[item.pk, "thumb"]),
        )

    def has_rebuild_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REBUILD_PERMISSION)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_view_index": request.user.has_perm(INDEX_VIEW_PERMISSION),
            "can_import": request.user.has_perm("recommender.add_importjob"),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description="Activate selected items", permissions=["change"])
    def activate(self, request, queryset) -> None:
        n = services.set_active(item_ids=list(queryset.values_list("pk", flat=True)), active=True)
        self.message_user(request, f"{n} item(s) activated; they join the index at the next rebuild.")

    @admin.action(description="Retire selected items (never recommended again)", permissions=["change"])
    def retire(self, request, queryset) -> None:
        n = services.set_active(item_ids=list(queryset.values_list("pk", flat=True)), active=False)
        self.message_user(request, f"{n} item(s) retired; they are no longer recommended.")

    @admin.action(description="Re-embed selected items", permissions=["change"])
    def reembed(self, request, queryset) -> None:
        n = services.reembed_items(item_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{n} item(s) queued for embedding.")

    @admin.action(description="Rebuild the index now", permissions=["rebuild"])
    def rebuild_now(self, request, queryset) -> None:
        _rebuild(request)

    def get_urls(self):
        own = [
            path("index/", self.admin_site.admin_view(self.index_view), name="recommender_index_state"),
            path("index/rebuild/", self.admin_site.admin_view(self.rebuild_view), name="recommender_index_rebuild"),
        ]
        return own + super().get_urls()

    def index_view(self, request: HttpRequest):
        _require(request, INDEX_VIEW_PERMISSION)
        can_preview = request.user.has_perm(PREVIEW_PERMISSION)
        users = get_user_model().objects.order_by("username")[:500] if can_preview else []
        chosen = request.GET.get("user")
        preview, chosen_user = [], None
        if chosen and not can_preview:
            raise PermissionDenied
        if chosen and chosen.isdigit():
            chosen_user = get_user_model().objects.filter(pk=int(chosen)).first()
            if chosen_user is not None:
                preview = selectors.recommendations_for(user=chosen_user, k=12)
        index = selectors.current_index()
        context = {
            **self.admin_site.each_context(request),
            "title": "Recommendation index",
            "opts": self.model._meta,
            "state": selectors.index_state(),
            "index_kind": getattr(index, "kind", None),
            "fallback_reason": getattr(index, "fallback_reason", ""),
            "versions": IndexVersion.objects.all()[:10],
            "users": users,
            "chosen_user": chosen_user,
            "preview": preview,
            "can_preview": can_preview,
            "can_rebuild": request.user.has_perm(REBUILD_PERMISSION),
        }
        return TemplateResponse(request, "admin/recommender/index_state.html", context)

    def rebuild_view(self, request: HttpRequest):
        _require(request, REBUILD_PERMISSION)
        if request.method == "POST":
            _rebuild(request)
        return redirect("admin:recommender_index_state")


def _rebuild(request: HttpRequest) -> None:
    try:
        version = services.rebuild_index(force=True)
    except services.IndexBuildError as exc:
        messages.error(request, f"The rebuild failed and the current index was kept: {exc}")
        return
    if version is None:
        messages.warning(request, "Nothing rebuilt: no embedded active items yet, or another rebuild is running.")
    else:
        messages.success(request, f"Index {version.version} is current: {version.item_count} items in {version.build_seconds:.1f}s.")


@admin.register(IndexVersion)
class IndexVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "is_current", "item_count", "built_at", "build_seconds", "model_version", "replaced_at")
    readonly_fields = [f.name for f in IndexVersion._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class ImportForm(forms.ModelForm):
    class Meta:
        model = ImportJob
        fields = ("csv_file", "images_zip", "embed")
        help_texts = {
            "csv_file": "Kaggle styles format (items.csv) or our own CSV: external_id,name,brand,category,colour,"
            "gender,price,currency,sizes,url,image",
            "images_zip": "A zip of the photos (named <id>.jpg for the styles format, or as the image column says).",
        }


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "progress", "created_count", "updated_count", "unchanged_count", "bad_count", "created_at")
    form = ImportForm
    change_form_template = "admin/recommender/importjob/change_form.html"

    @admin.display(description="Progress")
    def progress(self, job: ImportJob) -> str:
        return f"{job.processed_rows}/{job.total_rows}"

    @admin.display(description="Bad rows")
    def bad_count(self, job: ImportJob) -> int:
        return len(job.bad_rows)

    def get_fields(self, request, obj=None):
        return ("csv_file", "images_zip", "embed") if obj is None else ()

    def has_change_permission(self, request, obj=None) -> bool:
        """A job is never edited: its page is only shown (GET), and only to those who may view jobs."""
        return self.has_view_permission(request, obj) and (obj is None or request.method == "GET")

    def save_model(self, request, obj, form, change) -> None:
        job = services.import_job_create(
            csv_file=form.cleaned_data["csv_file"], images_zip=form.cleaned_data.get("images_zip"),
            embed=form.cleaned_data["embed"], user=request.user,
        )
        obj.pk = job.pk
        obj._state.adding = False

    def get_urls(self):
        return [
            path("<int:pk>/progress/", self.admin_site.admin_view(self.progress_view), name="recommender_importjob_progress")
        ] + super().get_urls()

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        job = get_object_or_404(ImportJob, pk=pk)
        if not self.has_view_permission(request, job):
            raise PermissionDenied
        return JsonResponse(
            {
                "status": job.status, "percent": job.percent, "processed": job.processed_rows, "total": job.total_rows,
                "created": job.created_count, "updated": job.updated_count, "unchanged": job.unchanged_count,
                "bad_rows": job.bad_rows[:500], "bad_count": len(job.bad_rows), "error": job.error,
            }
        )

    def response_add(self, request, obj, post_url_continue=None):
        """After the upload, show the job's own page: its progress bar while a worker runs it, then the report."""
        return redirect("admin:recommender_importjob_change", obj.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "progress_url": reverse("admin:recommender_importjob_progress", args=[object_id])}
        return super().change_view(request, object_id, form_url, extra_context)
