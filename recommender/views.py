"""Recommendation pages: For you, Liked, Find similar, Style this, and the feedback endpoint the cards post to.
Thin: parse the request, call a selector or service, render."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.preferences import preferences_set
from recommender import selectors
from recommender.cards import for_you_content
from recommender.forms import BoxForm, FeedbackForm, PinItemForm, RecommendationFilterForm, SimilarRegionUploadForm, SimilarUploadForm
from recommender.models import InventoryItem
from recommender.services.feedback import feedback_clear, feedback_set
from recommender.services.moodboard import pin_shop_item
from ml.images import ImageLoadError
from wardrobe.board_views import own_board_or_404, own_board_photo_or_404
from wardrobe.embedding import read_stored_file
from wardrobe.http import own_garment_or_404, safe_next, stored_photo_response
from wardrobe.images import ImageRejected
from wardrobe.services import garment_create


@login_required
@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    form = RecommendationFilterForm(request.GET)
    valid = form.is_valid()
    filters = form.to_filters() if valid else selectors.RecommendationFilters()
    page = selectors.recommendations_for(
        user=request.user, filters=filters, seed=form.cleaned_data.get("seed") if valid else None,
        k=settings.RECOMMENDER_PAGE_SIZE,
        shown=selectors.shown_by_cursor(request.user, form.cleaned_data.get("cursor", "")) if valid else (),
    )
    next_seed = (page.seed * 7919 + 1) % (2**31 - 1)
    content = for_you_content(page, form=form, request=request, next_seed=next_seed)
    return render(request, "recommender/for_you.html", {"content": content})


@login_required
@require_POST
def shop_for(request: HttpRequest) -> HttpResponse:
    """The one-click answer to "whom do you shop for?" that For you asks when the closet's photos cannot tell."""
    answer = request.POST.get("shop_for", "")
    try:
        preferences_set(user=request.user, shop_for=answer)
    except ValidationError:
        messages.error(request, "Choose one of the answers offered.")
    else:
        messages.success(request, f"Saved: you shop for {answer or 'anyone'}. Change it any time on your profile.")
    return redirect(safe_next(request, "recommender:for-you"))


@login_required
@require_GET
def liked(request: HttpRequest) -> HttpResponse:
    return render(request, "recommender/liked.html", {"items": selectors.liked_items(user=request.user)})


@login_required
@require_POST
def feedback(request: HttpRequest) -> HttpResponse:
    """Like, hide, "not my style" or undo one item. JSON for the cards' fetch calls; a redirect back otherwise."""
    form = FeedbackForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        if wants_json:
            return JsonResponse({"error": "Unknown item or action.", "fields": form.errors}, status=400)
        messages.error(request, "That action is not possible.")
        return redirect("recommender:for-you")
    item_id, kind = form.cleaned_data["item"], form.cleaned_data["kind"]
    try:
        if kind == "clear":
            feedback_clear(user=request.user, item_id=item_id)
        else:
            feedback_set(user=request.user, item_id=item_id, kind=kind)
    except InventoryItem.DoesNotExist:
        if wants_json:
            return JsonResponse({"error": "This item is no longer available."}, status=404)
        raise Http404("This item is no longer available.") from None
    if wants_json:
        return JsonResponse({"item": item_id, "kind": "" if kind == "clear" else kind})
    return redirect(safe_next(request, "recommender:for-you"))


@login_required
@require_http_methods(["GET", "POST"])
def similar(request: HttpRequest) -> HttpResponse:
    form = SimilarRegionUploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                photo = form.cleaned_data["photo"]
                result = selectors.similar_to_image(user=request.user, image=photo, box=form.cleaned_data["box"])
                if form.cleaned_data["add_to_closet"]:
                    result.added = garment_create(owner=request.user, image=photo, normalised=result.photo)
                status = 200
            except ImageRejected as exc:
                form.add_error("photo", str(exc))
            except selectors.SimilarTimeout as exc:
                form.add_error(None, str(exc))
                status = 503
    return render(request, "recommender/similar.html", {"form": form, "result": result, "source": None}, status=status)


@login_required
@require_GET
def similar_item(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        item = InventoryItem.objects.defer("embedding").get(pk=pk, is_active=True)
    except InventoryItem.DoesNotExist:
        raise Http404("This item is no longer available.") from None
    result = selectors.similar_to_item(user=request.user, item_id=item.pk)
    return render(request, "recommender/similar.html", {"form": SimilarUploadForm(), "result": result, "source": item, "source_kind": "item"})


@login_required
@require_GET
def similar_garment(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    result = selectors.similar_to_item(user=request.user, garment_id=garment.pk)
    return render(request, "recommender/similar.html", {"form": SimilarUploadForm(), "result": result, "source": garment, "source_kind": "garment"})


@login_required
@require_GET
def style_this(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    return render(request, "recommender/style.html", {"garment": garment, "pairings": selectors.pairings_for(garment=garment)})


@login_required
@require_GET
def search_board_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Crop to search on a mood-board photo: the frame comes as ?x=&y=&w=&h= (fractions); none yet: the tool."""
    photo = own_board_photo_or_404(request, pk)
    return _region_page(
        request, photo_name=photo.image.name, image_url=photo.image_url, title=photo.label,
        back_url=f"{photo.board.get_absolute_url()}#photo-{photo.pk}", back_label=photo.board.name,
    )


@login_required
@require_GET
def search_garment_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """Crop to search on one of the user's closet photos (a photo showing several garments)."""
    garment = own_garment_or_404(request, pk)
    return _region_page(
        request, photo_name=garment.image.name, image_url=garment.image_url, title=garment.name,
        back_url=garment.get_absolute_url(), back_label=garment.name, exclude_garment=garment.pk,
    )


def _region_page(
    request: HttpRequest, *, photo_name: str, image_url: str, title: str, back_url: str, back_label: str,
    exclude_garment: int | None = None,
) -> HttpResponse:
    form = BoxForm(request.GET or None)
    result, status, error = None, 200, ""
    if request.GET:
        if not form.is_valid():
            status = 400
        elif form.cleaned_data["box"] is not None:
            try:
                data = read_stored_file(photo_name)
                result = selectors.similar_to_region(
                    user=request.user, photo=data, box=form.cleaned_data["box"], exclude_garment=exclude_garment
                )
            except ImageLoadError as exc:
                error, status = f"This photo cannot be read: {exc}", 404
            except selectors.SimilarTimeout as exc:
                error, status = str(exc), 503
    context = {
        "form": form, "result": result, "error": error, "image_url": image_url, "title": title,
        "back_url": back_url, "back_label": back_label, "box": form.cleaned_data.get("box") if form.is_bound and form.is_valid() else None,
    }
    return render(request, "recommender/region_search.html", context, status=status)


@login_required
@require_POST
def pin_item(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin a shop item to one of the user's mood boards (their latest, or a new one, when none is named)."""
    form = PinItemForm(request.POST)
    board = None
    if form.is_valid() and form.cleaned_data["board"]:
        board = own_board_or_404(request, form.cleaned_data["board"])
    try:
        photo, created = pin_shop_item(user=request.user, item_id=pk, board=board)
    except InventoryItem.DoesNotExist:
        raise Http404("This item is no longer available.") from None
    except (ImageRejected, ValidationError) as exc:
        messages.error(request, str(exc) if isinstance(exc, ImageRejected) else " ".join(exc.messages))
        return redirect(safe_next(request, "recommender:for-you"))
    name = photo.board.name
    messages.success(request, f"Pinned to “{name}”." if created else f"Already on “{name}”.")
    return redirect(safe_next(request, photo.board.get_absolute_url()))


@require_GET
def item_image(request: HttpRequest, pk: int, variant: str) -> FileResponse:
    """Product photos are public (they are the shop's), cached for a day."""
    row = InventoryItem.objects.filter(pk=pk).values_list("image", "thumbnail").first()
    if row is None:
        raise Http404("No such item.")
    name = row[1] if variant == "thumb" else row[0]
    return stored_photo_response(name, cache_control="public, max-age=86400")
