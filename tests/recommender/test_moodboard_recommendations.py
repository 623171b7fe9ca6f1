"""For you with a mood board: the board pulls the list toward its photos and stops when they go, the slider's ends
give closet-only and board-only lists, board cards name their photo; pins of shop items; the API says it all."""
import numpy as np
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommender.selectors import recommendations_for
from recommender.services.moodboard import pin_shop_item
from tests.factories import PASSWORD, UserFactory, upload
from tests.recommender.recs_fixtures import MODEL, closet_near, make_inventory, ready_garment, unit
from wardrobe import moodboards
from wardrobe.models import BoardPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    return make_inventory(240)


@pytest.fixture
def closet(alice, inventory):
    return closet_near(alice, inventory, picks=(0, 7, 14))


def vector_of(item) -> np.ndarray:
    return np.frombuffer(bytes(item.embedding), dtype="<f4")


def ready_board_photo(board, vector, *, caption: str = "inspiration"):
    photo = moodboards.board_photo_upload(board=board, image=upload())
    BoardPhoto.objects.filter(pk=photo.pk).update(caption=caption)
    photo.refresh_from_db()
    photo.mark_processing()
    photo.mark_ready(np.asarray(vector, dtype="<f4").tobytes(), MODEL)
    return photo


@pytest.fixture
def board_far_from_closet(alice, inventory, closet):
    """A board of two photos near shop items the closet is far from."""
    owned = np.vstack([vector_of(inventory[i]) for i in (0, 7, 14)])
    far = sorted(range(len(inventory)), key=lambda i: float((owned @ vector_of(inventory[i])).max()))[:2]
    board = moodboards.board_create(owner=alice, name="Elsewhere")
    rng = np.random.default_rng(4)
    photos = [ready_board_photo(board, unit(vector_of(inventory[i]) + 0.1 * rng.normal(size=16))) for i in far]
    return board, photos


def pull_toward(page, board: np.ndarray) -> float:
    """Mean over the list of each item's best cosine to the board's photo vectors."""
    return float(np.mean([(board @ vector_of(card.item)).max() for card in page.cards]))


def test_the_board_moves_for_you_toward_its_photos_and_removing_them_moves_it_back(alice, closet, board_far_from_closet):
    board, photos = board_far_from_closet
    vectors = np.vstack([np.frombuffer(bytes(p.embedding), dtype="<f4") for p in photos])
    moodboards.blend_set(owner=alice, share=0.5)
    with_board = recommendations_for(user=alice, seed=3, k=24)
    for photo in photos:
        moodboards.board_photo_delete(photo=photo)
    without = recommendations_for(user=alice, seed=3, k=24)
    assert with_board.board_photo_count == 2 and without.board_photo_count == 0
    assert pull_toward(with_board, vectors) > pull_toward(without, vectors) + 0.1
    assert all(card.inspiration is None for card in without.cards)


def test_the_slider_at_closet_end_gives_a_closet_only_list(alice, closet, board_far_from_closet):
    moodboards.blend_set(owner=alice, share=0.0)
    page = recommendations_for(user=alice, seed=3, k=24)
    assert page.cards and all(card.inspiration is None and card.because is not None for card in page.cards)


def test_the_slider_at_inspiration_end_gives_a_board_only_list(alice, closet, board_far_from_closet):
    _, photos = board_far_from_closet
    moodboards.blend_set(owner=alice, share=1.0)
    page = recommendations_for(user=alice, seed=3, k=24)
    assert page.cards and all(card.inspiration is not None and card.because is None for card in page.cards)
    assert {card.inspiration.pk for card in page.cards} <= {p.pk for p in photos}


def test_a_user_with_a_board_and_no_closet_gets_a_list_from_the_board(bob, inventory):
    board = moodboards.board_create(owner=bob, name="Ideas")
    photo = ready_board_photo(board, vector_of(inventory[30]))
    page = recommendations_for(user=bob, seed=1, k=12)
    assert page.state == "ready" and len(page.cards) == 12
    assert all(card.inspiration.pk == photo.pk for card in page.cards)


def test_the_page_shows_the_board_group_and_names_the_photo_each_card_comes_from(alice_client, alice, closet, board_far_from_closet):
    _, photos = board_far_from_closet
    html = alice_client.get(reverse("recommender:for-you") + "?seed=2").content.decode()
    assert "From your mood board" in html and "data-board-group" in html
    assert "Inspired by" in html
    assert any(reverse("wardrobe:board-photo-image", args=[p.pk, "thumb"]) in html for p in photos)
    assert 'name="share"' in html  # the slider


def test_moving_the_slider_on_the_page_stores_it(alice_client, alice, closet, board_far_from_closet):
    response = alice_client.post(reverse("wardrobe:inspiration-blend"), {"share": "80", "next": "/for-you/"})
    assert response.status_code == 302 and response["Location"] == "/for-you/"
    assert moodboards.inspiration_share(user=alice) == pytest.approx(0.8)


def test_a_for_you_refresh_with_a_board_reads_the_database_a_fixed_few_times(
    alice_client, alice, closet, board_far_from_closet, django_assert_max_num_queries
):
    alice_client.get("/for-you/?seed=1")
    with django_assert_max_num_queries(4):  # session user, index pointer, closet, the board cards' photo rows
        response = alice_client.get("/for-you/?seed=2")
    assert "From your mood board" in response.content.decode()


def test_the_api_names_the_board_photo_group_and_share(alice, closet, board_far_from_closet):
    _, photos = board_far_from_closet
    client = APIClient()
    client.force_authenticate(alice)
    body = client.get("/api/recommendations/", {"seed": 5, "share": 0.5}).json()
    assert body["inspiration_share"] == 0.5 and body["board_photo_count"] == 2
    board_cards = [c for c in body["results"] if c["group"] == "board"]
    assert len(board_cards) == 12
    assert {c["inspired_by"]["id"] for c in board_cards} <= {p.pk for p in photos}
    assert all(c["inspired_by"] is None for c in body["results"] if c["group"] == "closet")


def test_pinning_a_shop_item_copies_its_photo_and_words_once(alice, inventory):
    item = inventory[3]
    photo, created = pin_shop_item(user=alice, item_id=item.pk)
    again, created_again = pin_shop_item(user=alice, item_id=item.pk)
    assert created and not created_again and photo.pk == again.pk
    assert photo.source == "shop" and photo.shop_item_id == item.pk and item.name in photo.caption
    assert photo.board.owner_id == alice.pk  # a first board was made for the pin


def test_a_retired_item_cannot_be_pinned(alice_client, inventory):
    item = inventory[3]
    item.is_active = False
    item.save(update_fields=["is_active"])
    assert alice_client.post(reverse("recommender:pin-item", args=[item.pk])).status_code == 404


def test_bob_cannot_pin_to_alices_board(bob, alice, inventory):
    board = moodboards.board_create(owner=alice, name="Alice's")
    client = APIClient()
    client.force_authenticate(bob)
    response = client.post("/api/boards/pin-item/", {"item_id": inventory[1].pk, "board_id": board.pk}, format="json")
    assert response.status_code == 404 and not BoardPhoto.objects.exists()


def test_the_page_pin_button_lands_on_the_board(alice_client, alice, inventory):
    response = alice_client.post(reverse("recommender:pin-item", args=[inventory[2].pk]))
    photo = BoardPhoto.objects.get(owner=alice)
    assert response.status_code == 302 and response["Location"] == photo.board.get_absolute_url()


def test_a_closet_only_user_sees_no_slider(alice_client, closet):
    assert 'name="share"' not in alice_client.get("/for-you/").content.decode()


def test_bob_gets_404_searching_a_region_of_alices_closet_photo(client, bob, alice, inventory):
    garment = ready_garment(alice, vector_of(inventory[0]))
    client.login(username="bob", password=PASSWORD)
    assert client.get(reverse("recommender:search-garment-photo", args=[garment.pk]), {"x": 0, "y": 0, "w": 1, "h": 1}).status_code == 404
    api = APIClient()
    api.force_authenticate(bob)
    assert api.post("/api/search/region/", {"garment_id": garment.pk}, format="json").status_code == 404


def test_a_bad_frame_is_refused_with_a_message(alice_client, alice, inventory):
    garment = ready_garment(alice, vector_of(inventory[0]))
    response = alice_client.get(reverse("recommender:search-garment-photo", args=[garment.pk]), {"x": 0.99, "y": 0, "w": 0.5, "h": 0.5})
    assert response.status_code == 400 and "cannot be searched" in response.content.decode()
