"""Closet insights: wears, cost per wear, most and least worn, forgotten, make-up, value and wears per month."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import GarmentFactory, OutfitFactory, WearFactory
from wardrobe import insights, wears
from wardrobe.models import Garment


@pytest.fixture
def today():
    return wears.today()


def _stat(data, garment):
    return next(g for g in data.garments if g.id == garment.pk)


def _added_days_ago(garment, days):
    Garment.objects.filter(pk=garment.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))


def test_wears_are_counted_per_garment_alone_and_in_outfits(alice):
    top, bottom = GarmentFactory(owner=alice), GarmentFactory(owner=alice)
    WearFactory(owner=alice, outfit=OutfitFactory(owner=alice, garments=[top, bottom]))
    WearFactory(owner=alice, garment=top)
    data = insights.closet_insights(user=alice)
    assert (_stat(data, top).wears, _stat(data, bottom).wears) == (2, 1)


def test_cost_per_wear_is_the_price_over_the_wears(alice):
    coat = GarmentFactory(owner=alice, price_paid=Decimal("100.00"))
    for _ in range(3):
        WearFactory(owner=alice, garment=coat)
    assert _stat(insights.closet_insights(user=alice), coat).cost_per_wear == Decimal("33.33")


def test_a_priced_garment_not_worn_yet_has_no_cost_per_wear(alice):
    coat = GarmentFactory(owner=alice, price_paid=Decimal("100.00"))
    assert _stat(insights.closet_insights(user=alice), coat).cost_per_wear is None


def test_a_worn_garment_without_a_price_has_no_cost_per_wear(alice):
    tee = GarmentFactory(owner=alice)
    WearFactory(owner=alice, garment=tee)
    assert _stat(insights.closet_insights(user=alice), tee).cost_per_wear is None


def test_forgotten_uses_the_last_wear_date(alice, today):
    old_but_worn = GarmentFactory(owner=alice, name="Worn lately")
    forgotten = GarmentFactory(owner=alice, name="Worn long ago")
    for g in (old_but_worn, forgotten):
        _added_days_ago(g, 400)
    WearFactory(owner=alice, garment=forgotten, date=today - datetime.timedelta(days=200))
    WearFactory(owner=alice, garment=old_but_worn, date=today - datetime.timedelta(days=200))
    WearFactory(owner=alice, garment=old_but_worn, date=today - datetime.timedelta(days=10))
    assert [g.id for g in insights.closet_insights(user=alice).forgotten] == [forgotten.pk]


def test_a_new_garment_not_worn_yet_is_not_forgotten(alice):
    GarmentFactory(owner=alice)
    assert insights.closet_insights(user=alice).forgotten == []


def test_a_garment_never_worn_in_90_days_is_forgotten(alice):
    garment = GarmentFactory(owner=alice)
    _added_days_ago(garment, 120)
    assert [g.id for g in insights.closet_insights(user=alice).forgotten] == [garment.pk]


def test_most_and_least_worn(alice):
    often, once, never = (GarmentFactory(owner=alice, name=n) for n in ("Often", "Once", "Never"))
    for _ in range(3):
        WearFactory(owner=alice, garment=often)
    WearFactory(owner=alice, garment=once)
    data = insights.closet_insights(user=alice)
    assert [g.name for g in data.most_worn] == ["Often", "Once"]
    assert [g.name for g in data.least_worn][:2] == ["Never", "Once"]


def test_category_and_colour_make_up(alice):
    GarmentFactory(owner=alice, category="tops", colour="red")
    GarmentFactory(owner=alice, category="tops", colour="black")
    GarmentFactory(owner=alice, category="shoes", colour="black")
    data = insights.closet_insights(user=alice)
    assert [(c, n) for c, _, n in data.by_category] == [("tops", 2), ("shoes", 1)]
    assert [(c, n) for c, _, n in data.by_colour] == [("black", 2), ("red", 1)]


def test_closet_value_sums_the_prices_it_knows(alice):
    GarmentFactory(owner=alice, price_paid=Decimal("10.50"))
    GarmentFactory(owner=alice, price_paid=Decimal("20.00"))
    GarmentFactory(owner=alice)
    data = insights.closet_insights(user=alice)
    assert (data.closet_value, data.priced) == (Decimal("30.50"), 2)


def test_archived_garments_are_left_out(alice):
    kept, archived = GarmentFactory(owner=alice), GarmentFactory(owner=alice)
    Garment.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    assert [g.id for g in insights.closet_insights(user=alice).garments] == [kept.pk]


def test_wears_per_month_covers_twelve_months_ending_this_one(alice, today):
    garment = GarmentFactory(owner=alice)
    WearFactory(owner=alice, garment=garment, date=today)
    WearFactory(owner=alice, garment=garment, date=today)
    months = insights.closet_insights(user=alice).wears_per_month
    assert len(months) == 12 and months[-1] == (today.replace(day=1), 2)
    assert sum(n for _, n in months) == 2


def test_insights_cost_two_queries_whatever_the_closet(alice, django_assert_num_queries):
    garments = [GarmentFactory(owner=alice) for _ in range(4)]
    for g in garments:
        WearFactory(owner=alice, garment=g)
    with django_assert_num_queries(2):
        insights.closet_insights(user=alice)


def test_bobs_insights_hold_nothing_of_alices(alice, bob):
    WearFactory(owner=alice)
    data = insights.closet_insights(user=bob)
    assert data.is_empty and data.recent_wears == 0
