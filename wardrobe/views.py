"""Closet pages. Thin: they parse the request, call a selector or service and render."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http.multipartparser import MultiPartParserError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wardrobe import cutouts, organising, outfits, selectors, services, upload_tags, wears
from wardrobe.api_errors import BODY_LIMIT_ERRORS, body_limit_message
from wardrobe.forms import BulkEditForm, ClosetFilterForm, GarmentForm, GarmentUploadForm
from wardrobe.http import own_garment_or_404, stored_photo_response

PAGE_SIZE = 24


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("wardrobe:closet")
    return render(request, "wardrobe/landing.html")


@login_required
@require_GET
def closet(request: HttpRequest) -> HttpResponse:
    filters = ClosetFilterForm(request.GET)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    archived = bool(criteria.get("archived"))
    garments = selectors.garment_list(
        user=request.user,
        category=criteria.get("category", ""),
        colour=criteria.get("colour", ""),
        q=criteria.get("q", ""),
        season=criteria.get("season", ""),
        tag=criteria.get("tag", ""),
        archived=archived,
        sort=criteria.get("sort") or "newest",
    )
    page = Paginator(garments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    tags = selectors.garment_tag_names(garment_ids=[g.pk for g in page.object_list])
    return render(
        request,
        "wardrobe/closet.html",
        {
            "filters": filters,
            "page": page,
            "cards": [(g, tags[g.pk]) for g in page.object_list],
            "facets": selectors.closet_facets(user=request.user),
            "tags": selectors.tag_list(user=request.user),
            "archived": archived,
            "archived_count": selectors.archived_count(user=request.user),
            "sort_choices": selectors.SORT_CHOICES,
            "bulk": BulkEditForm(),
            "filtering": any(v for k, v in criteria.items() if k not in ("sort", "archived")),
            "query_string": query.urlencode(),
        },
    )


# The body's size is read from its header, so a batch far over the limit is refused before it is read.
BODY_OVERHEAD_BYTES = 1024 * 1024


def _body_refusal(request: HttpRequest) -> str:
    """Why an upload body is refused before its photos are looked at, or "" when it may go on."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.UPLOAD_BATCH_MAX_BYTES + BODY_OVERHEAD_BYTES:
        return (
            f"This upload is {length / (1024 * 1024):.0f} MB; you can upload {services.batch_limit_text()}. "
            "Nothing was added."
        )
    try:
        request.FILES  # noqa: B018 - parsing is where Django's own limits (file count, field size) are raised
    except BODY_LIMIT_ERRORS as exc:
        return body_limit_message(exc)
    except MultiPartParserError:
        return "The upload was cut short or malformed. Nothing was added; please try again."
    return ""


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def garment_upload(request: HttpRequest) -> HttpResponse:
    """The upload page. Its body limits are checked before the CSRF check (done by _garment_upload), because that
    check parses the whole body, and a body past Django's file-count limit would end there as a bare "Bad Request
    (400)" page. A refused body only renders the form again: nothing is written without the CSRF check."""
    if request.method == "POST":
        refusal = _body_refusal(request)
        if refusal:
            return render(request, "wardrobe/upload.html", {"form": GarmentUploadForm(), "refusal": refusal}, status=400)
    return _garment_upload(request)


@csrf_protect
def _garment_upload(request: HttpRequest) -> HttpResponse:
    form = GarmentUploadForm(request.POST, request.FILES) if request.method == "POST" else GarmentUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            result = services.garment_create_batch(owner=request.user, images=form.cleaned_data["photos"])
        except services.BatchTooLarge as exc:
            return render(request, "wardrobe/upload.html", {"form": form, "refusal": str(exc)}, status=400)
        for rejection in result.rejected:
            form.add_error(None, f"{rejection.filename}: {rejection.message}")
        if result.created:
            n = len(result.created)
            messages.success(request, f"Added {n} garment{'s' if n != 1 else ''} to your closet.")
            for rejection in result.rejected:
                messages.error(request, f"{rejection.filename} was not added: {rejection.message}")
            if n == 1 and not result.rejected:
                return redirect("wardrobe:garment-edit", pk=result.created[0].pk)
            return redirect("wardrobe:closet")
        return render(request, "wardrobe/upload.html", {"form": form}, status=400)
    status = 400 if request.method == "POST" else 200
    return render(request, "wardrobe/upload.html", {"form": form}, status=status)


@login_required
@require_GET
def garment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    context = {
        "garment": garment, "wear_summary": wears.garment_wear_summary(garment=garment), "today": wears.today(),
        "tags": selectors.garment_tag_names(garment_ids=[garment.pk])[garment.pk],
        "tag_offers": upload_tags.offers_of(garment),
    }
    return render(request, "wardrobe/garment_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def garment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    tags = selectors.garment_tag_names(garment_ids=[garment.pk])[garment.pk]
    form = GarmentForm(request.POST if request.method == "POST" else None, instance=garment, tags=tags)
    if request.method == "POST" and form.is_valid():
        try:
            organising.garment_edit(
                garment=garment, data={f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS}, tags=form.cleaned_data["tags"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved \u201c{garment.name}\u201d.")
            return redirect(garment)
    context = {
        "form": form, "garment": garment, "suggested_fields": garment.suggested_fields,
        "tag_offers": upload_tags.offers_of(garment), "apply_at": upload_tags.APPLY_AT,
    }
    return render(request, "wardrobe/garment_form.html", context)


@login_required
@require_POST
def garment_use_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """"Use it" beside a tag the photo suggested: the owner takes the offered value as their own (and the garment
    re-embeds, as after any edit of what its vector reads)."""
    garment = own_garment_or_404(request, pk)
    field = request.POST.get("field", "")
    value = upload_tags.offer_value(garment, field)
    if value is None:
        messages.error(request, "That suggestion is no longer available: the field already has a value.")
    else:
        organising.garment_edit(garment=garment, data={field: value})
        messages.success(request, f"{field.capitalize()} set to {getattr(garment, f'get_{field}_display')()}.")
    return redirect(garment)


@login_required
@require_http_methods(["GET", "POST"])
def garment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    if request.method == "POST":
        name = garment.name
        services.garment_delete(garment=garment)
        messages.success(request, f"Deleted \u201c{name}\u201d.")
        return redirect("wardrobe:closet")
    context = {"garment": garment, "in_outfits": outfits.outfits_with_garment(garment=garment)}
    return render(request, "wardrobe/garment_confirm_delete.html", context)


@login_required
@require_GET
def garment_image(request: HttpRequest, pk: int, variant: str) -> FileResponse:
    """Serve a garment photo (or its cut-out) to its owner only: other users get 404, exactly as for a garment that
    does not exist."""
    garment = own_garment_or_404(request, pk)
    name = {"thumb": garment.thumbnail.name, "cutout": garment.cutout.name}.get(variant, garment.image.name)
    if not name:
        raise Http404("This garment has no cut-out.")
    return stored_photo_response(name, cache_control="private, max-age=86400")


@login_required
@require_POST
def garment_cutout_choice(request: HttpRequest, pk: int) -> HttpResponse:
    """The garment page's toggle: embed (and show) the cut-out, or the photo as taken; a change re-embeds it."""
    garment = own_garment_or_404(request, pk)
    use_cutout = request.POST.get("use_cutout") == "1"
    cutouts.garment_set_use_cutout(garment=garment, use_cutout=use_cutout)
    if use_cutout:
        messages.success(request, "Using the cut-out: recommendations will read the garment without its background.")
    else:
        messages.success(request, "Using the original photo: recommendations will read the photo as you took it.")
    return redirect(garment)
