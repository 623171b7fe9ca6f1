"""The wear log and plans: logging, counting per garment and outfit, undo, plans and the month calendar."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import GarmentFactory, OutfitFactory, WearFactory
from wardrobe import outfits, services, wears
from wardrobe.models import Wear


@pytest.fixture
def today():
    return wears.today()


def test_a_wear_is_logged_for_today_by_default(alice, today):
    assert WearFactory(owner=alice).date == today


def test_a_wear_can_be_logged_for_a_past_date(alice, today):
    day = today - datetime.timedelta(days=30)
    assert WearFactory(owner=alice, date=day).date == day


def test_a_wear_cannot_be_in_the_future(alice, today):
    with pytest.raises(ValidationError):
        WearFactory(owner=alice, date=today + datetime.timedelta(days=1))


def test_a_wear_needs_a_garment_or_an_outfit_not_both(alice):
    garment = GarmentFactory(owner=alice)
    outfit = OutfitFactory(owner=alice)
    with pytest.raises(ValidationError):
        wears.wear_log(owner=alice, garment=garment, outfit=outfit)
    with pytest.raises(ValidationError):
        wears.wear_log(owner=alice)


def test_nobody_logs_someone_elses_garment(alice, bob):
    with pytest.raises(ValidationError):
        wears.wear_log(owner=bob, garment=GarmentFactory(owner=alice))


def test_several_wears_a_day_are_counted(alice):
    garment = GarmentFactory(owner=alice)
    WearFactory(owner=alice, garment=garment)
    WearFactory(owner=alice, garment=garment)
    assert wears.garment_wear_summary(garment=garment).count == 2


def test_wearing_an_outfit_counts_for_each_of_its_garments(alice, today):
    top, bottom = GarmentFactory(owner=alice), GarmentFactory(owner=alice)
    outfit = OutfitFactory(owner=alice, garments=[top, bottom])
    WearFactory(owner=alice, outfit=outfit, date=today - datetime.timedelta(days=3))
    WearFactory(owner=alice, garment=top)
    assert wears.garment_wear_summary(garment=top) == wears.WearSummary(count=2, last=today)
    assert wears.garment_wear_summary(garment=bottom).count == 1
    assert wears.outfit_wear_summary(outfit=outfit).count == 1


def test_editing_an_outfit_does_not_rewrite_what_was_worn(alice):
    top, bottom, other = (GarmentFactory(owner=alice) for _ in range(3))
    outfit = OutfitFactory(owner=alice, garments=[top, bottom])
    WearFactory(owner=alice, outfit=outfit)
    outfits.outfit_update(outfit=outfit, data={}, garment_ids=[other.pk])
    assert wears.garment_wear_summary(garment=bottom).count == 1
    assert wears.garment_wear_summary(garment=other).count == 0


def test_undoing_a_wear_removes_it_from_the_counts(alice):
    garment = GarmentFactory(owner=alice)
    wear = WearFactory(owner=alice, garment=garment)
    wears.wear_delete(wear=wear)
    assert wears.garment_wear_summary(garment=garment).count == 0


def test_a_deleted_outfits_wears_still_count_for_its_garments(alice):
    top = GarmentFactory(owner=alice)
    outfit = OutfitFactory(owner=alice, garments=[top])
    WearFactory(owner=alice, outfit=outfit)
    outfits.outfit_delete(outfit=outfit)
    assert wears.garment_wear_summary(garment=top).count == 1


def test_deleting_a_garment_drops_its_own_wears(alice):
    garment = GarmentFactory(owner=alice)
    WearFactory(owner=alice, garment=garment)
    services.garment_delete(garment=garment)
    assert not Wear.objects.filter(owner=alice).exists()


def test_the_wear_list_is_narrowed_by_date_range(alice, today):
    garment = GarmentFactory(owner=alice)
    for days in (0, 10, 40):
        WearFactory(owner=alice, garment=garment, date=today - datetime.timedelta(days=days))
    found = wears.wear_list(user=alice, start=today - datetime.timedelta(days=20), end=today)
    assert [w.date for w in found] == [today, today - datetime.timedelta(days=10)]


def test_an_outfit_can_be_planned_for_a_future_date(alice, today):
    outfit = OutfitFactory(owner=alice)
    plan = wears.plan_create(owner=alice, date=today + datetime.timedelta(days=5), outfit=outfit)
    assert list(wears.plan_list(user=alice)) == [plan]


def test_a_plan_does_not_count_as_a_wear(alice, today):
    top = GarmentFactory(owner=alice)
    outfit = OutfitFactory(owner=alice, garments=[top])
    wears.plan_create(owner=alice, date=today + datetime.timedelta(days=1), outfit=outfit)
    assert wears.garment_wear_summary(garment=top).count == 0


def test_a_plan_cannot_be_in_the_past(alice, today):
    with pytest.raises(ValidationError):
        wears.plan_create(owner=alice, date=today - datetime.timedelta(days=1), outfit=OutfitFactory(owner=alice))


def test_the_same_outfit_is_planned_once_a_day(alice, today):
    outfit = OutfitFactory(owner=alice)
    wears.plan_create(owner=alice, date=today, outfit=outfit)
    with pytest.raises(ValidationError):
        wears.plan_create(owner=alice, date=today, outfit=outfit)


def test_a_plan_for_today_becomes_a_wear_when_marked_worn(alice, today):
    top = GarmentFactory(owner=alice)
    outfit = OutfitFactory(owner=alice, garments=[top])
    plan = wears.plan_create(owner=alice, date=today, outfit=outfit)
    wear = wears.plan_mark_worn(plan=plan)
    assert (wear.outfit, wear.date) == (outfit, today)
    assert not wears.plan_list(user=alice).exists()


def test_the_month_calendar_puts_wears_and_plans_on_their_days(alice, today):
    garment = GarmentFactory(owner=alice)
    WearFactory(owner=alice, garment=garment, date=today)
    month = wears.calendar_month(user=alice, year=today.year, month=today.month)
    [day] = [d for week in month.weeks for d in week if d.date == today]
    assert day.is_today and [g.pk for g in day.thumbnails] == [garment.pk]


def test_the_month_calendar_starts_on_a_monday_and_has_whole_weeks(alice):
    month = wears.calendar_month(user=alice, year=2026, month=11)
    assert month.weeks[0][0].date == datetime.date(2026, 10, 26)
    assert all(len(week) == 7 for week in month.weeks)


def test_the_calendar_costs_three_queries_whatever_the_month(alice, today, django_assert_max_num_queries):
    garment = GarmentFactory(owner=alice)
    for days in range(10):
        WearFactory(owner=alice, garment=garment, date=today - datetime.timedelta(days=days))
    with django_assert_max_num_queries(3):
        month = wears.calendar_month(user=alice, year=today.year, month=today.month)
        [d.thumbnails for week in month.weeks for d in week]


def test_bob_sees_none_of_alices_wears(alice, bob):
    WearFactory(owner=alice)
    assert not wears.wear_list(user=bob).exists()
