"""Tags applied when a photo is uploaded: the embedding job fills in a confident category from the photo's nearest
shop items and marks it suggested, offers an unsure guess without applying it, never overwrites the owner's value;
saving the edit form makes a suggested value the owner's own. Real encoder over real mini-set photos."""
import io

import numpy as np
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommender.models import InventoryItem
from tests.recommender.test_crop_to_search import MINI, PAIR, shop  # noqa: F401 - the mini-set shop fixture
from wardrobe import services, taxonomy
from wardrobe.embedding import embed_garment, garment_text, get_encoder
from wardrobe.models import EmbeddingState, Garment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SHOE_PHOTO = "6626"  # a Sports Shoes photo of the mini set; the shop holds Casual Shoes and T-shirts, not this one


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_DEVICE = "cpu"


def upload(owner, photo_id: str = SHOE_PHOTO, **fields) -> Garment:
    """A garment uploaded as the upload page does ("IMG_0001.jpg"), then its embedding job run."""
    image = io.BytesIO((MINI / "images" / f"{photo_id}.jpg").read_bytes())
    image.name = "IMG_0001.jpg"
    garment = services.garment_create(owner=owner, image=image, **fields)
    embed_garment(garment_id=garment.pk)
    garment.refresh_from_db()
    return garment


@pytest.fixture
def unsure_shop(shop):  # noqa: F811 - the fixture imported above
    """The same shop with its shoes labelled shoes, bags and accessories in turn: no category has 70% of a vote."""
    cycle = [taxonomy.SHOES, taxonomy.BAGS, taxonomy.ACCESSORIES]
    shoes = InventoryItem.objects.filter(article_type=PAIR[1]).order_by("pk")
    for i, item in enumerate(shoes):
        item.article_type, item.category = "", cycle[i % 3]
        item.save(update_fields=["article_type", "category"])
    return shop


def test_an_uploaded_shoe_gets_the_shoes_category_marked_suggested(shop, alice):  # noqa: F811
    garment = upload(alice)

    assert garment.embedding_state == EmbeddingState.READY
    assert garment.category == taxonomy.SHOES
    assert "category" in garment.suggested_fields


def test_the_stored_vector_reads_the_applied_tags(shop, alice):  # noqa: F811
    garment = upload(alice)
    encoder = get_encoder()

    _, stored_text = encoder.split(np.frombuffer(garment.embedding, dtype="<f4"))
    expected = encoder.text.embed([garment_text(garment)])

    assert "Shoes" in garment_text(garment)
    np.testing.assert_allclose(stored_text, expected, atol=1e-5)


def test_the_garment_page_shows_the_applied_category_as_suggested(shop, alice, client):  # noqa: F811
    garment = upload(alice)
    client.force_login(alice)

    html = client.get(garment.get_absolute_url()).content.decode()

    assert 'class="badge badge--suggested"' in html
    assert '<span class="sr-only">(</span>Suggested<span class="sr-only">)</span>' in html


def test_an_unsure_guess_is_offered_not_applied(unsure_shop, alice, client):
    garment = upload(alice)
    client.force_login(alice)

    html = client.get(reverse("wardrobe:garment-edit", args=[garment.pk])).content.decode()

    assert garment.category == taxonomy.OTHER and "category" not in garment.suggested_fields
    assert garment.tag_offers["category"]["value"] in (taxonomy.SHOES, taxonomy.BAGS, taxonomy.ACCESSORIES)
    assert 'data-tag-offer="category"' in html and "Looks like:" in html
    assert '<option value="other" selected>' in html


def test_the_garment_page_offers_an_unsure_guess_with_a_button_to_use_it(unsure_shop, alice, client):
    garment = upload(alice)
    client.force_login(alice)

    html = client.get(garment.get_absolute_url()).content.decode()

    assert f'action="{reverse("wardrobe:garment-use-offer", args=[garment.pk])}"' in html
    assert "Use it<span class=\"sr-only\"> as the category</span>" in html
    assert "badge--suggested" not in html.split("<dt>Colour</dt>")[0].split("<dt>Category</dt>")[1]


def test_use_it_takes_the_offered_value_as_the_owners_own(unsure_shop, alice, client):
    garment = upload(alice)
    offered = garment.tag_offers["category"]["value"]
    client.force_login(alice)

    response = client.post(reverse("wardrobe:garment-use-offer", args=[garment.pk]), {"field": "category"})

    garment.refresh_from_db()
    assert response.status_code == 302
    assert garment.category == offered
    assert "category" not in garment.suggested_fields and "category" not in garment.tag_offers
    assert garment.embedding_state == EmbeddingState.PENDING  # what the vector reads changed: it re-embeds


def test_a_category_the_owner_entered_is_never_overwritten(shop, alice):  # noqa: F811
    garment = upload(alice, category=taxonomy.BAGS)

    assert garment.category == taxonomy.BAGS
    assert "category" not in garment.suggested_fields and "category" not in garment.tag_offers


def edit_form(garment: Garment, **changes) -> dict:
    data = {f: getattr(garment, f) or "" for f in services.EDITABLE_FIELDS}
    data["price_paid"] = ""
    data["tags"] = ""
    data.update(changes)
    return data


def test_saving_the_edit_form_with_the_suggestion_kept_makes_it_the_owners(shop, alice, client):  # noqa: F811
    garment = upload(alice)
    client.force_login(alice)

    response = client.post(reverse("wardrobe:garment-edit", args=[garment.pk]), edit_form(garment))

    garment.refresh_from_db()
    assert response.status_code == 302
    assert garment.category == taxonomy.SHOES and garment.suggested_fields == []
    assert 'badge--suggested' not in client.get(garment.get_absolute_url()).content.decode()


def test_changing_a_suggested_category_re_embeds_the_garment(shop, alice, client):  # noqa: F811
    garment = upload(alice)
    client.force_login(alice)

    client.post(reverse("wardrobe:garment-edit", args=[garment.pk]), edit_form(garment, category=taxonomy.BAGS))

    garment.refresh_from_db()
    assert garment.category == taxonomy.BAGS and garment.suggested_fields == []
    assert garment.embedding_state == EmbeddingState.PENDING


def test_tags_are_suggested_once_so_a_re_embedding_keeps_the_owners_choice(shop, alice, client):  # noqa: F811
    garment = upload(alice)
    client.force_login(alice)
    client.post(reverse("wardrobe:garment-edit", args=[garment.pk]), edit_form(garment, category=taxonomy.OTHER))

    embed_garment(garment_id=garment.pk)

    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY
    assert garment.category == taxonomy.OTHER and garment.suggested_fields == []


def test_the_api_says_which_fields_are_suggested(shop, alice):  # noqa: F811
    garment = upload(alice)
    api = APIClient()
    api.force_authenticate(alice)

    body = api.get(f"/api/garments/{garment.pk}/").json()

    assert "category" in body["suggested_fields"]


def test_bob_cannot_see_or_take_alices_suggestions(unsure_shop, alice, bob, client):
    garment = upload(alice)
    client.force_login(bob)
    api = APIClient()
    api.force_authenticate(bob)

    assert client.get(garment.get_absolute_url()).status_code == 404
    assert client.get(reverse("wardrobe:garment-edit", args=[garment.pk])).status_code == 404
    assert api.get(f"/api/garments/{garment.pk}/").status_code == 404
    response = client.post(reverse("wardrobe:garment-use-offer", args=[garment.pk]), {"field": "category"})
    garment.refresh_from_db()
    assert response.status_code == 404 and garment.category == taxonomy.OTHER


def test_patching_a_suggested_field_through_the_api_makes_it_the_owners(shop, alice):  # noqa: F811
    garment = upload(alice)
    api = APIClient()
    api.force_authenticate(alice)

    body = api.patch(f"/api/garments/{garment.pk}/", {"category": taxonomy.SHOES}, format="json").json()

    assert body["category"] == taxonomy.SHOES and "category" not in body["suggested_fields"]
