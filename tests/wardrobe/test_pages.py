import pytest
from django.urls import reverse

from tests.factories import GarmentFactory, image_bytes, upload
from wardrobe.models import Garment

pytestmark = pytest.mark.django_db


def test_the_empty_closet_explains_what_to_do(alice_client):
    page = alice_client.get(reverse("wardrobe:closet")).content.decode()
    assert "Your closet is empty" in page and "Upload your first photos" in page


def test_the_closet_shows_each_garment_with_its_state_badge(alice_client, alices_garment):
    page = alice_client.get(reverse("wardrobe:closet")).content.decode()
    assert "Blue linen shirt" in page
    assert 'data-embedding-state="pending"' in page


def test_the_closet_filters_by_category_and_colour(alice_client, alice):
    GarmentFactory(owner=alice, name="Red tee", category="tops", colour="red")
    GarmentFactory(owner=alice, name="Black jeans", category="bottoms", colour="black")
    assert "Black jeans" not in alice_client.get(reverse("wardrobe:closet"), {"category": "tops"}).content.decode()
    page = alice_client.get(reverse("wardrobe:closet"), {"colour": "black"}).content.decode()
    assert "Black jeans" in page and "Red tee" not in page


def test_the_closet_searches_name_and_brand(alice_client, alice):
    GarmentFactory(owner=alice, name="Oxford shirt", brand="Uniqlo")
    GarmentFactory(owner=alice, name="Chinos", brand="Gap")
    page = alice_client.get(reverse("wardrobe:closet"), {"q": "uniqlo"}).content.decode()
    assert "Oxford shirt" in page and "Chinos" not in page


def test_the_closet_paginates(alice_client, alice):
    for i in range(25):
        GarmentFactory(owner=alice, name=f"Item {i:02d}")
    second = alice_client.get(reverse("wardrobe:closet"), {"page": 2}).content.decode()
    assert "Item 00" in second and "Item 24" not in second
    assert "Page 2 of 2" in second


def test_uploading_several_photos_makes_one_garment_each(alice_client, alice):
    files = [upload("a.jpg"), upload("b.png", image_bytes("PNG")), upload("c.webp", image_bytes("WEBP"))]
    response = alice_client.post(reverse("wardrobe:garment-upload"), {"photos": files})
    assert response.status_code == 302
    assert Garment.objects.filter(owner=alice).count() == 3


def test_an_upload_with_no_file_asks_for_one(alice_client):
    response = alice_client.post(reverse("wardrobe:garment-upload"), {})
    assert response.status_code == 400
    assert "Choose at least one photo" in response.content.decode()


def test_editing_a_garment_saves_its_details(alice_client, alices_garment):
    response = alice_client.post(
        reverse("wardrobe:garment-edit", args=[alices_garment.pk]),
        {"name": "Linen shirt", "brand": "COS", "category": "tops", "colour": "blue", "size": "M", "price_paid": "39.90", "notes": ""},
    )
    assert response.status_code == 302
    alices_garment.refresh_from_db()
    assert (alices_garment.name, alices_garment.brand, str(alices_garment.price_paid)) == ("Linen shirt", "COS", "39.90")


def test_a_negative_price_is_refused_on_the_form(alice_client, alices_garment):
    response = alice_client.post(
        reverse("wardrobe:garment-edit", args=[alices_garment.pk]),
        {"name": "x", "category": "tops", "price_paid": "-5"},
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()


def test_deleting_asks_for_confirmation_first(alice_client, alices_garment):
    page = alice_client.get(reverse("wardrobe:garment-delete", args=[alices_garment.pk])).content.decode()
    assert "cannot be undone" in page
    assert Garment.objects.filter(pk=alices_garment.pk).exists()


def test_confirming_the_delete_removes_the_garment_and_its_files(alice_client, alices_garment, stored_files, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("wardrobe:garment-delete", args=[alices_garment.pk]))
    assert response.status_code == 302
    assert not Garment.objects.filter(pk=alices_garment.pk).exists()
    assert stored_files() == []


def test_anonymous_visitors_see_the_landing_page(client):
    assert "Create your closet" in client.get("/").content.decode()
