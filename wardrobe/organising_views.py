"""Pages for organising the closet: archive / unarchive, the bulk edit of selected garments, the CSV import.
Thin: they parse the request, call wardrobe.organising or wardrobe.closet_import and render the per-garment or
per-row report."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from wardrobe import closet_import, organising
from wardrobe.forms import BulkEditForm, ClosetImportForm
from wardrobe.http import own_garment_or_404, safe_next


@login_required
@require_POST
def garment_archive(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    organising.garment_archive(garment=garment)
    messages.success(request, f"Archived \u201c{garment.name}\u201d: it is out of your closet and your recommendations, not deleted.")
    return redirect(safe_next(request, garment.get_absolute_url()))


@login_required
@require_POST
def garment_unarchive(request: HttpRequest, pk: int) -> HttpResponse:
    garment = own_garment_or_404(request, pk)
    organising.garment_unarchive(garment=garment)
    messages.success(request, f"\u201c{garment.name}\u201d is back in your closet.")
    return redirect(safe_next(request, garment.get_absolute_url()))


@login_required
@require_POST
def garment_bulk_edit(request: HttpRequest) -> HttpResponse:
    form = BulkEditForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        for error in errors:
            messages.error(request, error)
        return redirect(safe_next(request, "wardrobe:closet"))
    try:
        results = organising.garment_bulk_update(owner=request.user, garment_ids=form.cleaned_data["ids"], changes=form.changes())
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect(safe_next(request, "wardrobe:closet"))
    done = sum(1 for r in results if r.ok)
    return render(
        request,
        "wardrobe/bulk_result.html",
        {"results": results, "done": done, "failed": len(results) - done, "back": safe_next(request, "")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def closet_csv_import(request: HttpRequest) -> HttpResponse:
    form = ClosetImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = closet_import.closet_csv_import(
            owner=request.user, csv_file=form.cleaned_data["csv_file"], photos_zip=form.cleaned_data["photos"]
        )
        if report.ok:
            n = len(report.created)
            messages.success(request, f"Imported {n} garment{'s' if n != 1 else ''} into your closet.")
            return redirect("wardrobe:closet")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "wardrobe/closet_import.html",
        {"form": form, "report": report, "columns": closet_import.CSV_COLUMNS}, status=status,
    )
