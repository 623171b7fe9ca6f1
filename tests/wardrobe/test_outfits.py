"""Outfit services and selectors: create, update, delete, the cover collage, owner checks and garment deletion."""
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from tests.factories import GarmentFactory, OutfitFactory, image_bytes, upload
from wardrobe import outfits, services, taxonomy
from wardrobe.models import Outfit


@pytest.fixture
def top(alice):
    return GarmentFactory(owner=alice, name="White tee", category=taxonomy.TOPS, colour="white")


@pytest.fixture
def jeans(alice):
    return GarmentFactory(owner=alice, name="Blue jeans", category=taxonomy.BOTTOMS, colour="blue")


def test_an_outfit_keeps_its_garments_in_the_given_order_and_slots(alice, top, jeans):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[jeans.pk, top.pk], name="Weekend")
    items = list(outfit.items.all())
    assert [(i.garment_id, i.position, i.slot) for i in items] == [(jeans.pk, 0, "bottom"), (top.pk, 1, "top")]


def test_a_new_outfit_gets_a_square_cover_collage(alice, top, jeans):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[top.pk, jeans.pk], name="Weekend")
    with default_storage.open(outfit.cover.name, "rb") as fh:
        cover = Image.open(io.BytesIO(fh.read()))
    assert cover.format == "JPEG" and cover.size == (600, 600)


def test_the_collage_shows_the_garments_photos(alice):
    red = GarmentFactory(owner=alice, image=upload(data=image_bytes(colour=(220, 20, 20))))
    outfit = outfits.outfit_create(owner=alice, garment_ids=[red.pk])
    with default_storage.open(outfit.cover.name, "rb") as fh:
        centre = Image.open(io.BytesIO(fh.read())).convert("RGB").getpixel((300, 300))
    assert centre[0] > 180 and centre[1] < 80


def test_an_outfit_needs_a_garment(alice):
    with pytest.raises(ValidationError):
        outfits.outfit_create(owner=alice, garment_ids=[], name="Nothing")


def test_an_outfit_cannot_use_someone_elses_garment(alice, bob, top):
    bobs = GarmentFactory(owner=bob)
    with pytest.raises(ValidationError):
        outfits.outfit_create(owner=alice, garment_ids=[top.pk, bobs.pk])
    assert not Outfit.objects.exists()


def test_an_outfit_without_a_name_is_untitled(alice, top):
    assert outfits.outfit_create(owner=alice, garment_ids=[top.pk]).name == "Untitled outfit"


def test_an_unknown_occasion_is_refused(alice, top):
    with pytest.raises(ValidationError):
        outfits.outfit_create(owner=alice, garment_ids=[top.pk], occasion="gala")


def test_updating_the_garments_replaces_the_items_and_the_cover(alice, top, jeans, stored_files, django_capture_on_commit_callbacks):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[top.pk])
    old_cover = outfit.cover.name
    with django_capture_on_commit_callbacks(execute=True):
        outfits.outfit_update(outfit=outfit, data={"name": "Renamed"}, garment_ids=[jeans.pk, top.pk])
    outfit.refresh_from_db()
    assert outfit.name == "Renamed"
    assert [i.garment_id for i in outfit.items.all()] == [jeans.pk, top.pk]
    assert outfit.cover.name != old_cover and old_cover not in stored_files()


def test_updating_only_fields_keeps_the_cover(alice, top):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[top.pk])
    cover = outfit.cover.name
    outfits.outfit_update(outfit=outfit, data={"occasion": "casual", "season": "summer"})
    outfit.refresh_from_db()
    assert (outfit.occasion, outfit.season, outfit.cover.name) == ("casual", "summer", cover)


def test_deleting_an_outfit_removes_its_cover_but_not_its_garments(alice, top, stored_files, django_capture_on_commit_callbacks):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[top.pk])
    cover = outfit.cover.name
    with django_capture_on_commit_callbacks(execute=True):
        outfits.outfit_delete(outfit=outfit)
    assert cover not in stored_files()
    assert top.__class__.objects.filter(pk=top.pk).exists()


def test_an_outfit_survives_the_deletion_of_one_garment_and_shows_it_removed(alice, top, jeans):
    outfit = outfits.outfit_create(owner=alice, garment_ids=[top.pk, jeans.pk])
    services.garment_delete(garment=jeans)
    outfit = outfits.outfit_get(user=alice, pk=outfit.pk)
    items = list(outfit.items.all())
    assert [(i.name_snapshot, i.is_removed) for i in items] == [("White tee", False), ("Blue jeans", True)]


def test_the_delete_page_names_the_outfits_a_garment_is_in(alice, top):
    outfit = OutfitFactory(owner=alice, garments=[top], name="Office")
    assert outfits.outfits_with_garment(garment=top) == [outfit]


def test_the_outfit_list_filters_by_occasion_and_season(alice, top):
    OutfitFactory(owner=alice, garments=[top], name="Gym", occasion="sports", season="summer")
    OutfitFactory(owner=alice, garments=[top], name="Any", occasion="sports", season="all-season")
    OutfitFactory(owner=alice, garments=[top], name="Gala", occasion="formal")
    assert sorted(o.name for o in outfits.outfit_list(user=alice, occasion="sports", season="summer")) == ["Any", "Gym"]


def test_bob_cannot_get_alices_outfit(alice, bob, top):
    outfit = OutfitFactory(owner=alice, garments=[top])
    with pytest.raises(Outfit.DoesNotExist):
        outfits.outfit_get(user=bob, pk=outfit.pk)


def test_suggestions_come_from_the_users_own_closet(alice, bob, top, jeans):
    GarmentFactory(owner=bob, category=taxonomy.TOPS, colour="black")
    [suggestion] = outfits.outfit_suggestions(user=alice)
    assert sorted(suggestion.garment_ids) == sorted([top.pk, jeans.pk])


def test_suggestions_leave_out_archived_garments(alice, top, jeans):
    from django.utils import timezone

    alice.garments.filter(pk=jeans.pk).update(archived_at=timezone.now())
    assert outfits.outfit_suggestions(user=alice) == []


def test_a_garment_in_a_formal_outfit_is_suggested_for_formal(alice, top, jeans):
    casual_top = GarmentFactory(owner=alice, name="Band tee", category=taxonomy.TOPS, colour="black")
    OutfitFactory(owner=alice, garments=[casual_top], occasion="casual")
    OutfitFactory(owner=alice, garments=[top, jeans], occasion="formal")
    suggestions = outfits.outfit_suggestions(user=alice, occasion="formal")
    assert all(casual_top.pk not in s.garment_ids for s in suggestions)
    assert "for formal" in suggestions[0].picks[0].reasons
