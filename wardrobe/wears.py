"""The wear log and plans: writes (log, undo, plan, mark a plan worn) and reads (entries by date range, a month
calendar, a garment's wear summary).

A wear is something that happened, so it is dated today or earlier; a plan is for today or later. Ownership of the
garment or outfit is checked here, since a foreign key cannot.
"""
from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch, QuerySet
from django.utils import timezone

from wardrobe.models import Garment, Outfit, OutfitItem, Plan, Wear


def today() -> datetime.date:
    return timezone.localdate()


# Writes ------------------------------------------------------------------------------------------------------------

def wear_log(
    *,
    owner: AbstractBaseUser,
    date: datetime.date | None = None,
    garment: Garment | None = None,
    outfit: Outfit | None = None,
) -> Wear:
    """Log that the owner wore a garment or an outfit on `date` (today by default). What was worn is fixed now: the
    garment, or the outfit's garments that still exist."""
    date = date or today()
    if (garment is None) == (outfit is None):
        raise ValidationError("Log a garment or an outfit.")
    if date > today():
        raise ValidationError({"date": "A wear is in the past or today; plan future outfits instead."})
    thing = garment or outfit
    if thing.owner_id != owner.pk:
        raise ValidationError("Not in your closet.")
    with transaction.atomic():
        wear = Wear.objects.create(owner=owner, date=date, garment=garment, outfit=outfit)
        if garment is not None:
            wear.garments.add(garment)
        else:
            ids = OutfitItem.objects.filter(outfit=outfit, garment__isnull=False).values_list("garment_id", flat=True)
            wear.garments.add(*ids)
    return wear


@transaction.atomic
def wear_delete(*, wear: Wear) -> None:
    """Undo a log entry."""
    wear.delete()


def plan_create(*, owner: AbstractBaseUser, date: datetime.date, outfit: Outfit, notes: str = "") -> Plan:
    """Plan an outfit for today or a later date (once per outfit and day)."""
    if outfit.owner_id != owner.pk:
        raise ValidationError("Not in your closet.")
    if date < today():
        raise ValidationError({"date": "Plans are for today or later; log past days as worn."})
    plan = Plan(owner=owner, date=date, outfit=outfit, notes=notes.strip())
    plan.full_clean(exclude=["owner", "outfit"])
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError({"date": "That outfit is already planned for this day."}) from None
    return plan


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    plan.delete()


@transaction.atomic
def plan_mark_worn(*, plan: Plan) -> Wear:
    """The planned day came and the outfit was worn: the plan becomes a wear of the outfit on its date."""
    wear = wear_log(owner=plan.owner, date=plan.date, outfit=plan.outfit)
    plan.delete()
    return wear


# Reads -------------------------------------------------------------------------------------------------------------

def wear_list(
    *, user: AbstractBaseUser, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Wear]:
    """The user's log entries, newest first, optionally within [start, end], with what was worn prefetched."""
    qs = Wear.objects.filter(owner=user).select_related("garment", "outfit").prefetch_related(
        Prefetch("garments", queryset=Garment.objects.defer("embedding"))
    ).defer("garment__embedding")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs


def wear_get(*, user: AbstractBaseUser, pk: int) -> Wear:
    return Wear.objects.get(owner=user, pk=pk)


def plan_list(
    *, user: AbstractBaseUser, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[Plan]:
    qs = Plan.objects.filter(owner=user).select_related("outfit")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs


def plan_get(*, user: AbstractBaseUser, pk: int) -> Plan:
    return Plan.objects.get(owner=user, pk=pk)


@dataclass(frozen=True)
class WearSummary:
    count: int
    last: datetime.date | None


def garment_wear_summary(*, garment: Garment) -> WearSummary:
    """How often a garment was worn (alone or in an outfit) and when last: "worn 3 times, last on 12 Nov"."""
    row = Wear.objects.filter(garments=garment).aggregate(n=Count("id"), last=Max("date"))
    return WearSummary(count=row["n"], last=row["last"])


def outfit_wear_summary(*, outfit: Outfit) -> WearSummary:
    row = Wear.objects.filter(outfit=outfit).aggregate(n=Count("id"), last=Max("date"))
    return WearSummary(count=row["n"], last=row["last"])


@dataclass
class CalendarDay:
    date: datetime.date
    in_month: bool
    is_today: bool
    wears: list[Wear] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    @property
    def thumbnails(self) -> list[Garment]:
        """Up to four garments worn that day, for the month grid."""
        seen: dict[int, Garment] = {}
        for wear in self.wears:
            for g in wear.garments.all():
                seen.setdefault(g.pk, g)
        return list(seen.values())[:4]


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[CalendarDay]]

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def previous(self) -> datetime.date:
        return (self.first - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> datetime.date:
        return (self.first + datetime.timedelta(days=32)).replace(day=1)


def calendar_month(*, user: AbstractBaseUser, year: int, month: int) -> CalendarMonth:
    """A Monday-first month grid (whole weeks) with each day's wears and plans: three queries whatever the month."""
    weeks_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    start, end = weeks_dates[0][0], weeks_dates[-1][-1]
    by_day: dict[datetime.date, CalendarDay] = {}
    now = today()
    weeks = []
    for week in weeks_dates:
        row = []
        for d in week:
            day = CalendarDay(date=d, in_month=d.month == month, is_today=d == now)
            by_day[d] = day
            row.append(day)
        weeks.append(row)
    for wear in wear_list(user=user, start=start, end=end).order_by("date", "created_at", "id"):
        by_day[wear.date].wears.append(wear)
    for plan in plan_list(user=user, start=start, end=end):
        by_day[plan.date].plans.append(plan)
    return CalendarMonth(year=year, month=month, weeks=weeks)
