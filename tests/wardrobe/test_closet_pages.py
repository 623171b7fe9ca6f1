"""Outfit, wear log, calendar and insights pages."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import GarmentFactory, OutfitFactory, WearFactory
from wardrobe import wears
from wardrobe.models import Outfit, Plan, Wear


@pytest.fixture
def closet(alice):
    return [
        GarmentFactory(owner=alice, name="White tee", category="tops", colour="white"),
        GarmentFactory(owner=alice, name="Navy chinos", category="bottoms", colour="navy"),
    ]


@pytest.mark.parametrize("route, text", [
    ("wardrobe:outfit-list", "No outfits yet"), ("wardrobe:insights", "Nothing to show yet"),
    ("wardrobe:outfit-create", "Your closet is empty"), ("wardrobe:calendar", "Nothing logged"),
])
def test_an_empty_closet_gets_empty_states(alice_client, route, text):
    response = alice_client.get(reverse(route))
    assert response.status_code == 200 and text in response.content.decode()


def test_the_builder_groups_the_closet_by_slot(alice_client, closet):
    html = alice_client.get(reverse("wardrobe:outfit-create")).content.decode()
    assert 'data-slot="top"' in html and "White tee" in html and "Bottom or dress" in html


def test_saving_from_the_builder_keeps_the_scripts_order(alice_client, alice, closet):
    tee, chinos = closet
    response = alice_client.post(reverse("wardrobe:outfit-create"), {
        "name": "Office", "garment": [tee.pk, chinos.pk], "order": f"{chinos.pk},{tee.pk}", "occasion": "smart casual",
    })
    outfit = Outfit.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == outfit.get_absolute_url()
    assert [i.garment_id for i in outfit.items.all()] == [chinos.pk, tee.pk]


def test_saving_without_the_script_keeps_the_ticked_order(alice_client, alice, closet):
    tee, chinos = closet
    alice_client.post(reverse("wardrobe:outfit-create"), {"name": "Plain", "garment": [chinos.pk, tee.pk]})
    assert [i.garment_id for i in Outfit.objects.get(owner=alice).items.all()] == [chinos.pk, tee.pk]


def test_saving_an_empty_outfit_shows_the_error(alice_client, closet):
    response = alice_client.post(reverse("wardrobe:outfit-create"), {"name": "Nothing"})
    assert response.status_code == 400 and "Pick at least one garment" in response.content.decode()


def test_the_outfit_page_shows_a_removed_garment(alice_client, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    alice_client.post(reverse("wardrobe:garment-delete", args=[closet[1].pk]))
    html = alice_client.get(outfit.get_absolute_url()).content.decode()
    assert "Navy chinos" in html and "removed" in html


def test_the_garment_delete_page_warns_about_its_outfits(alice_client, alice, closet):
    OutfitFactory(owner=alice, garments=closet, name="Office look")
    html = alice_client.get(reverse("wardrobe:garment-delete", args=[closet[0].pk])).content.decode()
    assert "Office look" in html and "removed" in html


def test_editing_an_outfit(alice_client, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet)
    assert alice_client.get(reverse("wardrobe:outfit-edit", args=[outfit.pk])).status_code == 200
    alice_client.post(reverse("wardrobe:outfit-edit", args=[outfit.pk]), {"name": "Just the tee", "garment": [closet[0].pk]})
    outfit.refresh_from_db()
    assert outfit.name == "Just the tee" and [i.garment_id for i in outfit.items.all()] == [closet[0].pk]


def test_suggestions_explain_each_pick_and_can_be_saved(alice_client, alice, closet):
    html = alice_client.get(reverse("wardrobe:outfit-suggest"), {"occasion": "", "season": ""}).content.decode()
    assert "White tee" in html and "navy goes with anything" in html and "Save as outfit" in html


def test_suggestions_for_an_empty_closet_say_why(alice_client):
    html = alice_client.get(reverse("wardrobe:outfit-suggest"), {"occasion": "formal"}).content.decode()
    assert "No outfit to suggest" in html


def test_the_garment_page_says_how_often_and_when_it_was_worn(alice_client, alice, closet):
    tee = closet[0]
    for day in (datetime.date(2026, 11, 10), datetime.date(2026, 11, 12), datetime.date(2026, 11, 1)):
        WearFactory(owner=alice, garment=tee, date=day)
    html = alice_client.get(tee.get_absolute_url()).content.decode()
    assert "worn 3 times, last on 12 Nov" in html


def test_logging_a_garment_from_its_page(alice_client, alice, closet):
    tee = closet[0]
    response = alice_client.post(reverse("wardrobe:wear-log"), {"garment": tee.pk, "next": tee.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == tee.get_absolute_url()
    assert Wear.objects.get(owner=alice).date == wears.today()


def test_logging_refuses_a_foreign_next_url(alice_client, closet):
    response = alice_client.post(reverse("wardrobe:wear-log"), {"garment": closet[0].pk, "next": "https://evil.example/"})
    assert not response["Location"].startswith("https://evil.example")


def test_a_future_wear_is_refused_with_a_message(alice_client, alice, closet):
    tomorrow = wears.today() + datetime.timedelta(days=1)
    response = alice_client.post(reverse("wardrobe:wear-log"), {"garment": closet[0].pk, "date": tomorrow.isoformat()}, follow=True)
    assert "plan future outfits" in response.content.decode()
    assert not Wear.objects.exists()


def test_undo_from_the_day_view(alice_client, alice, closet):
    wear = WearFactory(owner=alice, garment=closet[0])
    day_url = reverse("wardrobe:calendar-day", args=[wear.date.isoformat()])
    assert "Undo" in alice_client.get(day_url).content.decode()
    alice_client.post(reverse("wardrobe:wear-delete", args=[wear.pk]))
    assert not Wear.objects.exists()


def test_planning_an_outfit_shows_on_the_calendar(alice_client, alice, closet):
    outfit = OutfitFactory(owner=alice, garments=closet, name="Dinner out")
    day = wears.today() + datetime.timedelta(days=1)
    alice_client.post(reverse("wardrobe:plan-create"), {"outfit": outfit.pk, "date": day.isoformat()})
    assert Plan.objects.filter(owner=alice, date=day).exists()
    html = alice_client.get(reverse("wardrobe:calendar"), {"month": day.strftime("%Y-%m")}).content.decode()
    assert "Dinner out" in html


def test_the_calendar_shows_thumbnails_of_what_was_worn(alice_client, alice, closet):
    WearFactory(owner=alice, garment=closet[0])
    html = alice_client.get(reverse("wardrobe:calendar")).content.decode()
    assert closet[0].thumbnail_url in html


def test_a_bad_day_is_a_404(alice_client):
    assert alice_client.get("/calendar/2026-13-40/").status_code == 404


def test_the_insights_page_shows_charts_and_cost_per_wear(alice_client, alice):
    coat = GarmentFactory(owner=alice, name="Wool coat", price_paid=Decimal("120.00"), category="outerwear")
    GarmentFactory(owner=alice, name="Silk scarf", price_paid=Decimal("30.00"), category="accessories")
    for _ in range(4):
        WearFactory(owner=alice, garment=coat)
    html = alice_client.get(reverse("wardrobe:insights")).content.decode()
    assert html.count("<svg") >= 4 and "30.00" in html and "not worn yet" in html and "150.00" in html


def test_the_nav_links_the_new_pages(alice_client):
    html = alice_client.get(reverse("wardrobe:closet")).content.decode()
    for route in ("wardrobe:outfit-list", "wardrobe:calendar", "wardrobe:insights"):
        assert f'href="{reverse(route)}"' in html
