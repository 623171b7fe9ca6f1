"""Outfit pages: list, builder (new and edit), detail, delete, cover, suggestions. Thin: parse, call, render."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from wardrobe import outfits, selectors, taxonomy, wears
from wardrobe.closet_forms import OutfitForm, SuggestForm
from wardrobe.http import stored_photo_response
from wardrobe.models import Outfit


def own_outfit_or_404(request: HttpRequest, pk: int) -> Outfit:
    """The requesting user's outfit; anyone else's is a 404, exactly like one that does not exist."""
    try:
        return outfits.outfit_get(user=request.user, pk=pk)
    except Outfit.DoesNotExist:
        raise Http404("No such outfit.") from None


@login_required
@require_GET
def outfit_list(request: HttpRequest) -> HttpResponse:
    form = SuggestForm(request.GET)
    criteria = form.cleaned_data if form.is_valid() else {}
    items = outfits.outfit_list(user=request.user, **criteria)
    return render(request, "wardrobe/outfit_list.html", {"outfits": items, "filters": form, "filtering": any(criteria.values())})


def _builder(request: HttpRequest, form: OutfitForm, *, outfit: Outfit | None, chosen: list[int], status: int = 200) -> HttpResponse:
    closet = list(selectors.garment_list(user=request.user).filter(archived_at__isnull=True))
    by_id = {g.pk: g for g in closet}
    slots = [
        {"code": code, "label": label, "garments": [g for g in closet if taxonomy.slot_for(g.category) == code]}
        for code, label in taxonomy.SLOT_CHOICES
    ]
    context = {
        "form": form, "outfit": outfit, "slots": slots, "closet_size": len(closet),
        "chosen": [by_id[i] for i in chosen if i in by_id], "chosen_ids": set(chosen),
        "colours": taxonomy.COLOUR_CHOICES, "seasons": taxonomy.SEASON_CHOICES,
    }
    return render(request, "wardrobe/outfit_builder.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_create(request: HttpRequest) -> HttpResponse:
    """The builder, and the POST endpoint "Save as outfit" (Style this, suggestions) calls with `garment` ids."""
    if request.method == "POST":
        form = OutfitForm(request.POST)
        ids = form.garment_ids() if form.is_valid() else []
        if form.is_valid():
            try:
                outfit = outfits.outfit_create(owner=request.user, garment_ids=ids, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Saved the outfit \u201c{outfit.name}\u201d.")
                return redirect(outfit)
        return _builder(request, form, outfit=None, chosen=ids, status=400)
    preselected = [int(i) for i in request.GET.getlist("garment") if i.isdigit()]
    return _builder(request, OutfitForm(), outfit=None, chosen=preselected)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outfit = own_outfit_or_404(request, pk)
    if request.method == "POST":
        form = OutfitForm(request.POST)
        ids = form.garment_ids() if form.is_valid() else []
        if form.is_valid():
            try:
                outfits.outfit_update(outfit=outfit, data=form.cleaned_data, garment_ids=ids)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Saved the outfit \u201c{outfit.name}\u201d.")
                return redirect(outfit)
        return _builder(request, form, outfit=outfit, chosen=ids, status=400)
    form = OutfitForm(initial={f: getattr(outfit, f) for f in outfits.OUTFIT_FIELDS})
    chosen = [item.garment_id for item in outfit.items.all() if item.garment_id]
    return _builder(request, form, outfit=outfit, chosen=chosen)


@login_required
@require_GET
def outfit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    outfit = own_outfit_or_404(request, pk)
    context = {
        "outfit": outfit, "items": list(outfit.items.all()), "summary": wears.outfit_wear_summary(outfit=outfit),
        "today": wears.today(), "plans": list(wears.plan_list(user=request.user, start=wears.today()).filter(outfit=outfit)),
    }
    return render(request, "wardrobe/outfit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def outfit_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outfit = own_outfit_or_404(request, pk)
    if request.method == "POST":
        name = outfit.name
        outfits.outfit_delete(outfit=outfit)
        messages.success(request, f"Deleted the outfit \u201c{name}\u201d.")
        return redirect("wardrobe:outfit-list")
    return render(request, "wardrobe/outfit_confirm_delete.html", {"outfit": outfit})


@login_required
@require_GET
def outfit_cover(request: HttpRequest, pk: int) -> FileResponse:
    outfit = own_outfit_or_404(request, pk)
    if not outfit.cover:
        raise Http404("This outfit has no cover.")
    return stored_photo_response(outfit.cover.name, cache_control="private, max-age=86400")


@login_required
@require_GET
def outfit_suggest(request: HttpRequest) -> HttpResponse:
    form = SuggestForm(request.GET)
    criteria = form.cleaned_data if form.is_valid() else {}
    suggestions = outfits.outfit_suggestions(user=request.user, limit=6, **criteria) if request.GET else []
    return render(
        request, "wardrobe/outfit_suggest.html",
        {"form": form, "suggestions": suggestions, "asked": bool(request.GET), "criteria": criteria},
    )
