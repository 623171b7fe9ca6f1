"""The closet model layer: garment seasons, tags and archive; outfits, wears and plans, and their DB constraints."""
import datetime

import pytest
from django.db import IntegrityError, transaction

from tests.factories import GarmentFactory
from wardrobe import taxonomy
from wardrobe.models import Outfit, OutfitItem, Tag, Wear

DAY = datetime.date(2026, 11, 12)


def test_seasons_and_occasions_are_defined_once_in_the_taxonomy():
    assert taxonomy.SEASONS == {"spring", "summer", "autumn", "winter", "all-season"}
    assert taxonomy.OCCASIONS == {"casual", "formal", "sports", "ethnic", "party", "travel", "smart casual"}


def test_a_styles_usage_maps_to_its_occasion():
    assert taxonomy.occasion_for("Smart Casual") == "smart casual"
    assert taxonomy.occasion_for("Home") == ""


def test_a_dress_fills_the_bottom_slot_and_jewellery_counts_as_an_accessory():
    assert taxonomy.slot_for(taxonomy.DRESSES) == taxonomy.SLOT_BOTTOM
    assert taxonomy.slot_for(taxonomy.JEWELLERY) == taxonomy.SLOT_ACCESSORIES


def test_tags_are_normalised_to_one_spelling():
    assert taxonomy.normalise_tag("  #Work   Wear ") == "work wear"


def test_a_new_garment_is_in_the_closet_with_no_season(alice):
    garment = GarmentFactory(owner=alice)
    assert garment.archived_at is None and not garment.is_archived
    assert garment.season == ""


def test_a_user_has_one_tag_per_spelling(alice):
    Tag.objects.create(owner=alice, name="work")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(owner=alice, name="work")


def test_two_users_may_have_the_same_tag(alice, bob):
    Tag.objects.create(owner=alice, name="work")
    Tag.objects.create(owner=bob, name="work")
    assert Tag.objects.filter(name="work").count() == 2


def test_an_outfit_item_outlives_its_garment(alice):
    garment = GarmentFactory(owner=alice, name="Red scarf")
    outfit = Outfit.objects.create(owner=alice, name="Winter walk")
    item = OutfitItem.objects.create(outfit=outfit, garment=garment, position=0, slot="accessories", name_snapshot="Red scarf")
    garment.delete()
    item.refresh_from_db()
    assert item.is_removed and item.name_snapshot == "Red scarf"


def test_a_garment_appears_once_in_an_outfit(alice):
    garment = GarmentFactory(owner=alice)
    outfit = Outfit.objects.create(owner=alice, name="Twice")
    OutfitItem.objects.create(outfit=outfit, garment=garment, position=0, slot="top", name_snapshot="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        OutfitItem.objects.create(outfit=outfit, garment=garment, position=1, slot="top", name_snapshot="a")


def test_a_wear_is_of_a_garment_or_an_outfit_not_both(alice):
    garment = GarmentFactory(owner=alice)
    outfit = Outfit.objects.create(owner=alice, name="Both")
    with pytest.raises(IntegrityError), transaction.atomic():
        Wear.objects.create(owner=alice, date=DAY, garment=garment, outfit=outfit)


def test_a_wear_of_a_deleted_outfit_is_kept(alice):
    outfit = Outfit.objects.create(owner=alice, name="Gone")
    wear = Wear.objects.create(owner=alice, date=DAY, outfit=outfit)
    outfit.delete()
    wear.refresh_from_db()
    assert wear.outfit_id is None
