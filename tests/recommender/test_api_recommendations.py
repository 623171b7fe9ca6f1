"""The recommendation API and pages: owner-scoped, documented, and the same lists as the selectors."""
import io
from decimal import Decimal

import numpy as np
import pytest
from rest_framework.test import APIClient

from recommender.models import Feedback
from recommender.services.feedback import feedback_set
from tests.factories import UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory, random_units, ready_garment
from wardrobe import taxonomy

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    return make_inventory(120)


@pytest.fixture
def closet(alice, inventory):
    return closet_near(alice, inventory)


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_recommendations_list_cards_with_the_owned_garment_they_come_from(alice, closet):
    data = api_as(alice).get("/api/recommendations/", {"seed": 3, "k": 8}).json()
    assert data["state"] == "ready" and data["seed"] == 3
    assert len(data["results"]) == 8
    owned = {g.pk for g in closet}
    assert all(card["because_you_own"]["id"] in owned for card in data["results"])
    assert all(card["item"]["product_url"].startswith("https://") for card in data["results"])


def test_recommendations_with_the_same_seed_repeat_and_other_seeds_refresh(alice, closet):
    client = api_as(alice)
    def get(seed):
        return [c["item"]["id"] for c in client.get("/api/recommendations/", {"seed": seed, "k": 8}).json()["results"]]
    assert get(1) == get(1)
    assert get(1) != get(2)


def test_recommendation_filters_hold_in_the_api(alice, closet):
    data = api_as(alice).get("/api/recommendations/", {"category": "shoes", "max_price": "60", "seed": 1}).json()
    assert data["results"]
    assert all(c["item"]["category"] == "shoes" and float(c["item"]["price"]) <= 60 for c in data["results"])


def test_a_price_range_upside_down_is_a_clear_400(alice, closet):
    response = api_as(alice).get("/api/recommendations/", {"min_price": "80", "max_price": "20"})
    assert response.status_code == 400
    assert "above the maximum" in str(response.json())


def test_anonymous_callers_get_no_recommendations(closet):
    assert APIClient().get("/api/recommendations/").status_code in (401, 403)


def test_recommend_returns_a_ranked_list_for_each_liked_id(alice, inventory):
    liked = [inventory[0].pk, inventory[5].pk]
    data = api_as(alice).post("/api/recommend/", {"liked": liked, "k": 4}, format="json").json()
    assert [r["item_id"] for r in data["results"]] == liked
    for result in data["results"]:
        scores = [m["score"] for m in result["recommendations"]]
        assert len(scores) == 4 and scores == sorted(scores, reverse=True)


def test_feedback_is_recorded_listed_and_cleared_for_its_owner(alice, inventory):
    client = api_as(alice)
    assert client.post("/api/feedback/", {"item_id": inventory[0].pk, "kind": "like"}, format="json").status_code == 201
    assert [f["item_id"] for f in client.get("/api/feedback/").json()] == [inventory[0].pk]
    assert client.delete(f"/api/feedback/{inventory[0].pk}/").status_code == 204
    assert client.get("/api/feedback/").json() == []


def test_feedback_on_an_unknown_item_says_so(alice, inventory):
    response = api_as(alice).post("/api/feedback/", {"item_id": 10**9, "kind": "hide"}, format="json")
    assert response.status_code == 400
    assert "No such item" in str(response.json())


def test_user_b_cannot_read_or_clear_user_as_feedback(alice, bob, inventory):
    feedback_set(user=alice, item_id=inventory[0].pk, kind=Feedback.Kind.LIKE)
    client = api_as(bob)
    assert client.get("/api/feedback/").json() == []
    assert client.delete(f"/api/feedback/{inventory[0].pk}/").status_code == 404
    assert Feedback.objects.filter(user=alice).count() == 1


def test_user_b_recommendations_never_name_user_as_garments(alice, bob, closet):
    ready_garment(bob, np.frombuffer(bytes(closet[0].embedding), dtype="<f4"))
    data = api_as(bob).get("/api/recommendations/", {"seed": 1}).json()
    alices = {g.pk for g in closet}
    assert data["results"]
    assert not {c["because_you_own"]["id"] for c in data["results"]} & alices


def test_user_b_cannot_get_pairings_or_similar_for_user_as_garment(alice, bob, closet):
    client = api_as(bob)
    assert client.get(f"/api/garments/{closet[0].pk}/pairings/").status_code == 404
    assert client.post("/api/similar/", {"garment_id": closet[0].pk}, format="json").status_code == 404


def test_pairings_api_returns_other_categories_only(alice, inventory):
    top = ready_garment(alice, np.frombuffer(bytes(inventory[0].embedding), dtype="<f4"), category=taxonomy.TOPS)
    data = api_as(alice).get(f"/api/garments/{top.pk}/pairings/").json()
    assert data["inventory"]
    assert all(m["item"]["category"] != "tops" for m in data["inventory"])


def test_similar_by_item_id_lists_shop_matches(alice, inventory):
    data = api_as(alice).post("/api/similar/", {"item_id": inventory[3].pk, "k": 5}, format="json").json()
    assert len(data["items"]) == 5
    assert inventory[3].pk not in {m["item"]["id"] for m in data["items"]}


def test_similar_needs_exactly_one_source(alice, inventory):
    response = api_as(alice).post("/api/similar/", {"item_id": inventory[0].pk, "garment_id": 1}, format="json")
    assert response.status_code == 400


def test_a_bad_image_for_similar_gets_the_closet_uploads_message(alice, inventory):
    client = api_as(alice)
    closet_error = client.post("/api/garments/", {"image": io.BytesIO(b"not an image")}, format="multipart").json()
    similar_error = client.post("/api/similar/", {"image": io.BytesIO(b"not an image")}, format="multipart")
    assert similar_error.status_code == 400
    assert similar_error.json()["image"] == closet_error["image"]


def test_the_schema_documents_every_recommendation_endpoint(alice):
    schema = api_as(alice).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/recommendations/", "/api/recommend/", "/api/similar/", "/api/garments/{id}/pairings/", "/api/feedback/"):
        assert path in schema["paths"], path


# --- pages ---------------------------------------------------------------------------------------------------------


def test_for_you_shows_cards_with_because_you_own(alice_client, closet):
    html = alice_client.get("/for-you/?seed=1").content.decode()
    assert html.count('class="card rec-card') == 24
    assert "Because you own" in html
    assert any(garment.name in html for garment in closet)


def test_for_you_cards_escape_shop_text(alice_client, closet, inventory):
    from recommender.models import InventoryItem

    InventoryItem.objects.filter(pk__in=[i.pk for i in inventory]).update(name='<script>alert("x")</script> Tee', brand="A&B")
    html = alice_client.get("/for-you/?seed=1").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Tee" in html
    assert "A&amp;B · " in html


def test_a_card_shows_the_items_new_name_and_price_once_the_shop_changes_them(alice_client, closet, inventory):
    from recommender.models import InventoryItem

    html = alice_client.get("/for-you/?seed=1").content.decode()
    shown = InventoryItem.objects.get(pk=int(html.split('data-item="', 1)[1].split('"', 1)[0]))
    old_name = shown.name
    shown.name, shown.price = "Renamed Linen Shirt", Decimal("7.50")
    shown.save()
    html = alice_client.get("/for-you/?seed=1").content.decode()
    assert "Renamed Linen Shirt" in html and "€7.50" in html
    assert f">{old_name}<" not in html


def test_for_you_card_forms_post_back_with_a_valid_csrf_token(alice, closet):
    import re

    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    html = client.get("/for-you/?seed=3").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    item = int(re.search(r'data-item="(\d+)"', html).group(1))
    response = client.post("/for-you/feedback/", {"csrfmiddlewaretoken": token, "item": item, "kind": "like", "next": "/for-you/?seed=3"})
    assert response.status_code == 302 and response["Location"] == "/for-you/?seed=3"
    assert f'data-item="{item}"' in client.get("/for-you/liked/").content.decode()


def test_a_for_you_refresh_reads_the_database_a_fixed_few_times_whatever_the_closet_or_page(
    alice_client, alice, closet, django_assert_max_num_queries
):
    """The session user, the index pointer with the inventory stamp, the closet: no query per card or garment (the
    closet's vectors are read again only when the closet or its feedback changes)."""
    for vector in random_units(10, seed=5):
        ready_garment(alice, vector)
    alice_client.get("/for-you/?seed=1")
    with django_assert_max_num_queries(3):
        response = alice_client.get("/for-you/?seed=2")
    assert response.content.decode().count('class="card rec-card') >= 12


def test_for_you_onboards_a_user_with_no_garments(alice_client, inventory):
    html = alice_client.get("/for-you/").content.decode()
    assert "Teach us your style" in html and "Upload your first photos" in html


def test_for_you_tells_staff_the_inventory_is_empty(client):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert "The inventory is empty" in client.get("/for-you/").content.decode()


def test_for_you_tells_users_the_shop_is_being_stocked(alice_client):
    assert "The shop is being stocked" in alice_client.get("/for-you/").content.decode()


def test_hiding_through_the_page_endpoint_removes_the_item_from_the_next_list(alice_client, alice, closet):
    from recommender.selectors import recommendations_for

    first = recommendations_for(user=alice, seed=1, k=24).cards[0].item
    response = alice_client.post("/for-you/feedback/", {"item": first.pk, "kind": "hide"}, HTTP_ACCEPT="application/json")
    assert response.json() == {"item": first.pk, "kind": "hide"}
    assert f'data-item="{first.pk}"' not in alice_client.get("/for-you/?seed=1").content.decode()


def test_liked_page_lists_liked_items(alice_client, alice, inventory):
    feedback_set(user=alice, item_id=inventory[4].pk, kind=Feedback.Kind.LIKE)
    html = alice_client.get("/for-you/liked/").content.decode()
    assert inventory[4].name in html and inventory[5].name not in html


def test_style_this_page_is_404_for_another_users_garment(client, bob, closet):
    client.force_login(bob)
    assert client.get(f"/closet/{closet[0].pk}/style/").status_code == 404


def test_garment_detail_links_to_style_this_and_similar(alice_client, closet):
    html = alice_client.get(f"/closet/{closet[0].pk}/").content.decode()
    assert f"/closet/{closet[0].pk}/style/" in html and f"/closet/{closet[0].pk}/similar/" in html


def test_find_similar_page_rejects_a_bad_photo_with_a_clear_message_and_stores_nothing(alice_client, alice, inventory):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = alice_client.post("/similar/", {"photo": SimpleUploadedFile("x.jpg", b"garbage", content_type="image/jpeg")})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not alice.garments.exists()


def test_product_photos_are_served(client, inventory):
    response = client.get(f"/shop/items/{inventory[0].pk}/thumb.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
