"""Closet insights: every number of the insights page and /api/insights/, from two aggregate queries.

One query reads each garment in the closet (archived ones left out) with its wear count and last wear date; one
counts log entries per month. Everything else (cost per wear, most and least worn, forgotten, make-up, value) is
arithmetic over those rows, so the page costs the same few queries for 5 or 5,000 garments.
"""
from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max
from django.db.models.functions import TruncMonth

from wardrobe import taxonomy
from wardrobe.models import Garment, Wear
from wardrobe.wears import today as local_today

FORGOTTEN_AFTER_DAYS = 90
TOP_N = 5
MONTHS = 12
CENT = Decimal("0.01")


@dataclass(frozen=True)
class GarmentStat:
    id: int
    name: str
    category: str
    colour: str
    price_paid: Decimal | None
    wears: int
    last_worn: datetime.date | None
    added: datetime.date

    @property
    def cost_per_wear(self) -> Decimal | None:
        """Price paid / wears; None when the price is unknown or the garment was not worn yet."""
        if self.price_paid is None or self.wears == 0:
            return None
        return (self.price_paid / self.wears).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Insights:
    today: datetime.date
    garments: list[GarmentStat]
    wears_per_month: list[tuple[datetime.date, int]]
    recent_wears: int = 0  # log entries in the MONTHS shown
    most_worn: list[GarmentStat] = field(default_factory=list)
    least_worn: list[GarmentStat] = field(default_factory=list)
    forgotten: list[GarmentStat] = field(default_factory=list)
    by_category: list[tuple[str, str, int]] = field(default_factory=list)
    by_colour: list[tuple[str, str, int]] = field(default_factory=list)
    closet_value: Decimal = Decimal("0.00")
    priced: int = 0

    @property
    def is_empty(self) -> bool:
        return not self.garments


def is_forgotten(stat: GarmentStat, today: datetime.date) -> bool:
    """Not worn in FORGOTTEN_AFTER_DAYS days, by its last wear date; a never-worn garment once it has been in the
    closet that long (a garment added last week is not forgotten, just new)."""
    cutoff = today - datetime.timedelta(days=FORGOTTEN_AFTER_DAYS)
    reference = stat.last_worn or stat.added
    return reference < cutoff


def _month_starts(today: datetime.date, n: int) -> list[datetime.date]:
    starts = []
    year, month = today.year, today.month
    for _ in range(n):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def closet_insights(*, user: AbstractBaseUser, today: datetime.date | None = None) -> Insights:
    today = today or local_today()
    rows = (
        Garment.objects.filter(owner=user, archived_at__isnull=True)
        .annotate(n_wears=Count("worn_in"), last=Max("worn_in__date"))
        .values_list("id", "name", "category", "colour", "price_paid", "n_wears", "last", "created_at")
        .order_by("id")
    )
    garments = [
        GarmentStat(
            id=pk, name=name, category=category, colour=colour, price_paid=price, wears=n, last_worn=last,
            added=created.date() if isinstance(created, datetime.datetime) else created,
        )
        for pk, name, category, colour, price, n, last, created in rows
    ]
    months = _month_starts(today, MONTHS)
    counted = dict(
        Wear.objects.filter(owner=user, date__gte=months[0], date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    counted = {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in counted.items()}
    result = Insights(today=today, garments=garments, wears_per_month=[(m, counted.get(m, 0)) for m in months])
    result.recent_wears = sum(counted.values())
    worn = sorted((g for g in garments if g.wears), key=lambda g: (-g.wears, g.name))
    result.most_worn = worn[:TOP_N]
    result.least_worn = sorted(garments, key=lambda g: (g.wears, g.last_worn or datetime.date.min, g.name))[:TOP_N]
    result.forgotten = sorted(
        (g for g in garments if is_forgotten(g, today)), key=lambda g: (g.last_worn or datetime.date.min, g.name)
    )
    categories = Counter(g.category for g in garments)
    result.by_category = [(c, label, categories[c]) for c, label in taxonomy.CATEGORY_CHOICES if categories[c]]
    colours = Counter(g.colour or "" for g in garments)
    result.by_colour = [(c, label, colours[c]) for c, label in taxonomy.COLOUR_CHOICES if colours[c]]
    if colours[""]:
        result.by_colour.append(("", "Not set", colours[""]))
    priced = [g.price_paid for g in garments if g.price_paid is not None]
    result.closet_value = sum(priced, Decimal("0.00")).quantize(CENT)
    result.priced = len(priced)
    return result


def insights_as_dict(insights: Insights) -> dict:
    """The JSON form /api/insights/ returns (the page shows the same numbers)."""

    def garment(g: GarmentStat) -> dict:
        cpw = g.cost_per_wear
        return {
            "id": g.id, "name": g.name, "category": g.category, "colour": g.colour,
            "price_paid": None if g.price_paid is None else str(g.price_paid), "wears": g.wears,
            "last_worn": g.last_worn.isoformat() if g.last_worn else None,
            "cost_per_wear": None if cpw is None else str(cpw),
        }

    return {
        "today": insights.today.isoformat(),
        "garment_count": len(insights.garments),
        "wears_last_12_months": insights.recent_wears,
        "closet_value": str(insights.closet_value),
        "priced_garments": insights.priced,
        "forgotten_after_days": FORGOTTEN_AFTER_DAYS,
        "garments": [garment(g) for g in insights.garments],
        "most_worn": [g.id for g in insights.most_worn],
        "least_worn": [g.id for g in insights.least_worn],
        "forgotten": [g.id for g in insights.forgotten],
        "by_category": [{"category": c, "label": label, "count": n} for c, label, n in insights.by_category],
        "by_colour": [{"colour": c, "label": label, "count": n} for c, label, n in insights.by_colour],
        "wears_per_month": [{"month": m.strftime("%Y-%m"), "wears": n} for m, n in insights.wears_per_month],
    }
