"""Seasons, tags, archive, sort and bulk edit: the services, the closet page and the API."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import GarmentFactory
from wardrobe import organising, selectors, taxonomy
from wardrobe.models import EmbeddingState, Garment, Wear

pytestmark = pytest.mark.django_db


def _wear(garment, times: int) -> None:
    for n in range(times):
        wear = Wear.objects.create(owner=garment.owner, date=dt.date(2026, 1, 1) + dt.timedelta(days=n), garment=garment)
        wear.garments.add(garment)


def _names(qs) -> list[str]:
    return [g.name for g in qs]


def test_an_archived_garment_leaves_the_closet_page_and_shows_in_the_archived_view(alice_client, alice):
    kept = GarmentFactory(owner=alice, name="Kept coat")
    gone = GarmentFactory(owner=alice, name="Old scarf")
    alice_client.post(reverse("wardrobe:garment-archive", args=[gone.pk]), follow=True)  # shows, and uses up, the message
    closet = alice_client.get(reverse("wardrobe:closet")).content.decode()
    archived = alice_client.get(reverse("wardrobe:closet") + "?archived=on").content.decode()
    assert kept.name in closet and gone.name not in closet
    assert gone.name in archived and kept.name not in archived


def test_unarchiving_puts_the_garment_back_in_the_closet(alice, alices_garment):
    organising.garment_archive(garment=alices_garment)
    organising.garment_unarchive(garment=alices_garment)
    assert list(selectors.garment_list(user=alice)) == [alices_garment]


def test_the_empty_archived_view_explains_what_archiving_does(alice_client, alices_garment):
    page = alice_client.get(reverse("wardrobe:closet") + "?archived=on").content.decode()
    assert "Nothing archived" in page


def test_another_users_garment_cannot_be_archived(alice_client, bob):
    bobs = GarmentFactory(owner=bob)
    assert alice_client.post(reverse("wardrobe:garment-archive", args=[bobs.pk])).status_code == 404
    bobs.refresh_from_db()
    assert bobs.archived_at is None


def test_another_users_garment_cannot_be_unarchived_or_archived_through_the_api(alice_client, api, bob):
    bobs = GarmentFactory(owner=bob)
    organising.garment_archive(garment=bobs)
    assert alice_client.post(reverse("wardrobe:garment-unarchive", args=[bobs.pk])).status_code == 404
    assert api.patch(f"/api/garments/{bobs.pk}/", {"archived": False}, format="json").status_code == 404
    bobs.refresh_from_db()
    assert bobs.is_archived


def test_tags_are_normalised_and_deduplicated(alices_garment):
    assert organising.garment_set_tags(garment=alices_garment, tags="#Work, work ,  Gift  from Mum") == ["work", "gift from mum"]
    assert sorted(alices_garment.tags.values_list("name", flat=True)) == ["gift from mum", "work"]


def test_the_same_tag_name_is_a_separate_tag_for_each_owner(alice, bob):
    mine, theirs = GarmentFactory(owner=alice), GarmentFactory(owner=bob)
    organising.garment_set_tags(garment=mine, tags=["work"])
    organising.garment_set_tags(garment=theirs, tags=["work"])
    assert mine.tags.get().pk != theirs.tags.get().pk
    assert selectors.tag_list(user=alice) == [("work", 1)]


def test_the_edit_form_saves_season_and_tags(alice_client, alices_garment):
    g = alices_garment
    data = {"name": g.name, "brand": g.brand, "category": g.category, "colour": g.colour, "size": "", "price_paid": "",
            "season": taxonomy.SUMMER, "notes": "", "tags": "beach, linen"}
    assert alice_client.post(reverse("wardrobe:garment-edit", args=[g.pk]), data).status_code == 302
    g.refresh_from_db()
    assert g.season == taxonomy.SUMMER
    assert sorted(g.tags.values_list("name", flat=True)) == ["beach", "linen"]


def test_the_closet_filters_by_tag_and_season(alice):
    a = GarmentFactory(owner=alice, name="A")
    GarmentFactory(owner=alice, name="B")
    organising.garment_set_tags(garment=a, tags=["work"])
    Garment.objects.filter(pk=a.pk).update(season=taxonomy.WINTER)
    assert _names(selectors.garment_list(user=alice, tag="work")) == ["A"]
    assert _names(selectors.garment_list(user=alice, season=taxonomy.WINTER)) == ["A"]


def test_sorting_by_wears_cost_per_wear_and_price(alice):
    cheap_often = GarmentFactory(owner=alice, name="cheap often", price_paid=Decimal("10"))
    dear_once = GarmentFactory(owner=alice, name="dear once", price_paid=Decimal("90"))
    never = GarmentFactory(owner=alice, name="never worn", price_paid=Decimal("50"))
    no_price = GarmentFactory(owner=alice, name="no price")
    _wear(cheap_often, 5)
    _wear(dear_once, 1)
    _wear(no_price, 2)
    assert _names(selectors.garment_list(user=alice, sort="most_worn"))[:3] == ["cheap often", "no price", "dear once"]
    assert _names(selectors.garment_list(user=alice, sort="least_worn"))[0] == never.name
    assert _names(selectors.garment_list(user=alice, sort="cost_per_wear"))[:2] == ["cheap often", "dear once"]
    assert _names(selectors.garment_list(user=alice, sort="price")) == ["dear once", "never worn", "cheap often", "no price"]


def test_the_closet_page_sorts_by_the_chosen_order(alice_client, alice):
    GarmentFactory(owner=alice, name="Pricey", price_paid=Decimal("300"))
    GarmentFactory(owner=alice, name="Budget", price_paid=Decimal("3"))
    page = alice_client.get(reverse("wardrobe:closet") + "?sort=price").content.decode()
    assert page.index("Pricey") < page.index("Budget")


def test_bulk_edit_changes_every_selected_garment_and_reports_each(alice):
    a, b = GarmentFactory(owner=alice, name="A"), GarmentFactory(owner=alice, name="B")
    results = organising.garment_bulk_update(
        owner=alice, garment_ids=[a.pk, b.pk],
        changes=organising.BulkChanges(category=taxonomy.OUTERWEAR, season=taxonomy.AUTUMN, add_tags=("Layering",)),
    )
    assert [(r.garment_id, r.ok) for r in results] == [(a.pk, True), (b.pk, True)]
    for g in (a, b):
        g.refresh_from_db()
        assert (g.category, g.season, list(g.tags.values_list("name", flat=True))) == (taxonomy.OUTERWEAR, taxonomy.AUTUMN, ["layering"])


def test_bulk_edit_reports_another_users_garment_as_not_found_and_leaves_it(alice, bob):
    mine, theirs = GarmentFactory(owner=alice), GarmentFactory(owner=bob, category=taxonomy.TOPS)
    results = organising.garment_bulk_update(
        owner=alice, garment_ids=[mine.pk, theirs.pk], changes=organising.BulkChanges(category=taxonomy.SHOES)
    )
    assert [(r.ok, r.message) for r in results][1] == (False, "not found")
    theirs.refresh_from_db()
    assert theirs.category == taxonomy.TOPS


def test_bulk_archive_and_tag_removal(alice):
    a = GarmentFactory(owner=alice)
    organising.garment_set_tags(garment=a, tags=["old", "keep"])
    organising.garment_bulk_update(owner=alice, garment_ids=[a.pk], changes=organising.BulkChanges(remove_tags=("old",), archived=True))
    a.refresh_from_db()
    assert a.is_archived and list(a.tags.values_list("name", flat=True)) == ["keep"]


def test_a_bulk_category_change_requeues_the_embedding(alice, django_capture_on_commit_callbacks):
    g = GarmentFactory(owner=alice, category=taxonomy.TOPS)
    g.mark_processing()
    g.mark_ready(b"\x00\x00\x80\x3f" * 4, "test-model-v1")
    organising.garment_bulk_update(owner=alice, garment_ids=[g.pk], changes=organising.BulkChanges(category=taxonomy.DRESSES))
    g.refresh_from_db()
    assert g.embedding_state == EmbeddingState.PENDING and g.embedding is None


def test_a_bulk_edit_without_a_change_is_refused(alice, alices_garment):
    with pytest.raises(Exception, match="at least one change"):
        organising.garment_bulk_update(owner=alice, garment_ids=[alices_garment.pk], changes=organising.BulkChanges())


def test_the_bulk_edit_page_shows_a_result_per_garment(alice_client, alice, bob):
    mine, theirs = GarmentFactory(owner=alice, name="Mine"), GarmentFactory(owner=bob, name="Theirs")
    response = alice_client.post(reverse("wardrobe:garment-bulk-edit"), {"ids": [mine.pk, theirs.pk], "season": taxonomy.SPRING})
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 garment updated, 1 not" in page and "not found" in page and "Theirs" not in page


def test_the_bulk_edit_api_returns_per_garment_results(api, alice, charlie):
    mine, theirs = GarmentFactory(owner=alice), GarmentFactory(owner=charlie)
    body = api.post("/api/garments/bulk/", {"ids": [mine.pk, theirs.pk], "archived": True}, format="json").json()
    assert (body["updated"], body["failed"]) == (1, 1)
    assert [r["ok"] for r in body["results"]] == [True, False]
    assert Garment.objects.get(pk=mine.pk).is_archived and not Garment.objects.get(pk=theirs.pk).is_archived


def test_the_api_patches_tags_season_and_archive(api, alices_garment):
    body = api.patch(
        f"/api/garments/{alices_garment.pk}/", {"tags": ["Work"], "season": "winter", "archived": True}, format="json"
    ).json()
    assert (body["tags"], body["season"]) == (["work"], "winter") and body["archived_at"]


def test_the_api_lists_archived_garments_only_when_asked(api, alice):
    kept, gone = GarmentFactory(owner=alice), GarmentFactory(owner=alice)
    organising.garment_archive(garment=gone)
    assert [g["id"] for g in api.get("/api/garments/").json()["results"]] == [kept.pk]
    assert [g["id"] for g in api.get("/api/garments/?archived=true").json()["results"]] == [gone.pk]
