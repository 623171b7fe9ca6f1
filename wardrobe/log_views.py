"""Wear log, plans, calendar and insights pages. Thin: parse, call a service or selector, render or redirect."""
from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from wardrobe import charts, insights, outfits, selectors, taxonomy, wears
from wardrobe.closet_forms import PlanForm, WearForm
from wardrobe.http import own_garment_or_404, safe_next
from wardrobe.models import Plan, Wear
from wardrobe.outfit_views import own_outfit_or_404


def _day_url(day: datetime.date) -> str:
    return reverse("wardrobe:calendar-day", args=[day.isoformat()])


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_POST
def wear_log(request: HttpRequest) -> HttpResponse:
    form = WearForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a valid date.")
        return redirect(safe_next(request, reverse("wardrobe:calendar")))
    data = form.cleaned_data
    garment = own_garment_or_404(request, data["garment"]) if data.get("garment") else None
    outfit = own_outfit_or_404(request, data["outfit"]) if data.get("outfit") else None
    try:
        wear = wears.wear_log(owner=request.user, date=data["date"], garment=garment, outfit=outfit)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(safe_next(request, reverse("wardrobe:calendar")))
    messages.success(request, f"Logged \u201c{garment or outfit}\u201d as worn on {wear.date:%-d %b %Y}.")
    return redirect(safe_next(request, _day_url(wear.date)))


@login_required
@require_POST
def wear_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        wear = wears.wear_get(user=request.user, pk=pk)
    except Wear.DoesNotExist:
        raise Http404("No such log entry.") from None
    day = wear.date
    wears.wear_delete(wear=wear)
    messages.success(request, "Removed the log entry.")
    return redirect(safe_next(request, _day_url(day)))


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a date and an outfit to plan.")
        return redirect(safe_next(request, reverse("wardrobe:calendar")))
    outfit = own_outfit_or_404(request, form.cleaned_data["outfit"])
    try:
        plan = wears.plan_create(owner=request.user, date=form.cleaned_data["date"], outfit=outfit, notes=form.cleaned_data["notes"])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(safe_next(request, outfit.get_absolute_url()))
    messages.success(request, f"Planned \u201c{outfit.name}\u201d for {plan.date:%-d %b %Y}.")
    return redirect(safe_next(request, _day_url(plan.date)))


def _own_plan(request: HttpRequest, pk: int) -> Plan:
    try:
        return wears.plan_get(user=request.user, pk=pk)
    except Plan.DoesNotExist:
        raise Http404("No such plan.") from None


@login_required
@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _own_plan(request, pk)
    day = plan.date
    wears.plan_delete(plan=plan)
    messages.success(request, "Removed the plan.")
    return redirect(safe_next(request, _day_url(day)))


@login_required
@require_POST
def plan_worn(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _own_plan(request, pk)
    try:
        wear = wears.plan_mark_worn(plan=plan)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect(safe_next(request, _day_url(plan.date)))
    messages.success(request, f"Logged \u201c{wear.outfit}\u201d as worn.")
    return redirect(safe_next(request, _day_url(wear.date)))


def _month(value: str) -> tuple[int, int]:
    try:
        day = datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        day = wears.today()
    return day.year, day.month


@login_required
@require_GET
def calendar_month(request: HttpRequest) -> HttpResponse:
    year, month = _month(request.GET.get("month", ""))
    grid = wears.calendar_month(user=request.user, year=year, month=month)
    has_entries = any(day.wears or day.plans for week in grid.weeks for day in week)
    return render(request, "wardrobe/calendar.html", {"cal": grid, "has_entries": has_entries, "today": wears.today()})


@login_required
@require_GET
def calendar_day(request: HttpRequest, day: str) -> HttpResponse:
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date.") from None
    context = {
        "day": date, "today": wears.today(), "is_future": date > wears.today(),
        "wears": list(wears.wear_list(user=request.user, start=date, end=date).order_by("created_at", "id")),
        "plans": list(wears.plan_list(user=request.user, start=date, end=date)),
        "garments": list(selectors.garment_list(user=request.user).filter(archived_at__isnull=True).only("id", "name")),
        "outfits": list(outfits.outfit_list(user=request.user).only("id", "name")),
        "previous": date - datetime.timedelta(days=1), "next": date + datetime.timedelta(days=1),
    }
    return render(request, "wardrobe/calendar_day.html", context)


@login_required
@require_GET
def insights_page(request: HttpRequest) -> HttpResponse:
    data = insights.closet_insights(user=request.user)
    top = sorted(data.garments, key=lambda g: (-g.wears, g.name))[:15]
    context = {
        "data": data,
        "forgotten_days": insights.FORGOTTEN_AFTER_DAYS,
        "wears_chart": charts.hbar_chart([(g.name, g.wears, str(g.wears)) for g in top], title="Wears per garment (top 15)"),
        "category_chart": charts.hbar_chart([(label, n, str(n)) for _, label, n in data.by_category], title="Garments per category"),
        "colour_chart": charts.hbar_chart(
            [(label, n, str(n)) for _, label, n in data.by_colour], title="Garments per colour",
            colours=[taxonomy.COLOUR_HEX.get(code, "#bbbbbb") for code, _, _ in data.by_colour],
        ),
        "month_chart": charts.column_chart([(m.strftime("%b"), n) for m, n in data.wears_per_month], title="Wears per month"),
        "cost_rows": sorted(data.garments, key=lambda g: (g.cost_per_wear is None, -(g.cost_per_wear or 0), g.name)),
    }
    return render(request, "wardrobe/insights.html", context)
