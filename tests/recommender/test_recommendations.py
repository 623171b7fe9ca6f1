"""The recommendation selectors over a real index of hand-made vectors, on the real database."""
from decimal import Decimal

import numpy as np
import pytest

from recommender import selectors
from recommender.selectors import items as item_rows
from recommender.models import Feedback, IndexVersion
from recommender.selectors import RecommendationFilters, recommendations_for
from recommender.services.feedback import feedback_set
from recommender.services.inventory import set_active
from tests.factories import GarmentFactory, InventoryItemFactory, UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory, ready_garment, unit
from wardrobe import taxonomy
from wardrobe.models import Garment

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    return make_inventory()


@pytest.fixture
def closet(alice, inventory):
    return closet_near(alice, inventory)


def ids(page) -> list[int]:
    return [card.item.pk for card in page.cards]


def test_a_closet_gets_a_full_list_of_ready_recommendations(alice, closet):
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "ready"
    assert len(page.cards) == 12


def test_hidden_and_not_my_style_items_never_come_back(alice, closet):
    first = ids(recommendations_for(user=alice, seed=1, k=12))
    feedback_set(user=alice, item_id=first[0], kind=Feedback.Kind.HIDE)
    feedback_set(user=alice, item_id=first[1], kind=Feedback.Kind.NOT_MY_STYLE)
    for seed in range(5):
        assert not {first[0], first[1]} & set(ids(recommendations_for(user=alice, seed=seed, k=12)))


def test_retired_items_are_never_recommended(alice, closet):
    first = ids(recommendations_for(user=alice, seed=1, k=12))
    set_active(item_ids=first[:4], active=False)
    again = ids(recommendations_for(user=alice, seed=1, k=12))
    assert not set(first[:4]) & set(again)
    assert len(again) == 12


def test_an_item_changed_after_a_list_shows_its_new_price_on_the_next(alice, closet):
    from recommender.models import InventoryItem

    shown = recommendations_for(user=alice, seed=1, k=12).cards[0].item
    item = InventoryItem.objects.get(pk=shown.pk)
    item.price = Decimal("1.23")
    item.save()
    again = {card.item.pk: card.item for card in recommendations_for(user=alice, seed=1, k=12).cards}
    assert again[shown.pk].price == Decimal("1.23")


@pytest.mark.parametrize("card_cache_size", [item_rows.CARD_ROW_CACHE_SIZE, 5])
def test_cards_carry_each_items_current_row_whether_the_inventory_is_read_whole_or_by_page(
    alice, closet, monkeypatch, card_cache_size
):
    """An inventory larger than the card cache reads the rows a page needs (and starts over when the cache is full)."""
    from recommender.models import InventoryItem

    monkeypatch.setattr(item_rows, "CARD_ROW_CACHE_SIZE", card_cache_size)
    selectors.forget_item_info()
    for seed in range(3):
        cards = recommendations_for(user=alice, seed=seed, k=12).cards
        assert len(cards) == 12
        fresh = InventoryItem.objects.in_bulk([card.item.pk for card in cards])
        assert [(c.item.name, c.item.price, c.item.sizes) for c in cards] == [
            (fresh[c.item.pk].name, fresh[c.item.pk].price, fresh[c.item.pk].sizes) for c in cards
        ]


def test_an_item_that_duplicates_an_owned_garment_is_dropped(alice, inventory):
    copy = inventory[3]
    ready_garment(alice, np.frombuffer(bytes(copy.embedding), dtype="<f4"), category=copy.category)
    for seed in range(5):
        assert copy.pk not in ids(recommendations_for(user=alice, seed=seed, k=12))


def test_two_refreshes_differ(alice, closet):
    assert ids(recommendations_for(user=alice, seed=1, k=12)) != ids(recommendations_for(user=alice, seed=2, k=12))


def test_a_fixed_seed_reproduces_the_list(alice, closet):
    assert ids(recommendations_for(user=alice, seed=7, k=12)) == ids(recommendations_for(user=alice, seed=7, k=12))


def test_without_a_seed_each_list_gets_its_own_and_reports_it(alice, closet):
    a, b = recommendations_for(user=alice, k=12), recommendations_for(user=alice, k=12)
    assert a.seed != b.seed
    assert ids(recommendations_for(user=alice, seed=a.seed, k=12)) == ids(a)


@pytest.mark.parametrize(
    "filters, holds",
    [
        (RecommendationFilters(category=taxonomy.SHOES), lambda item: item.category == taxonomy.SHOES),
        (RecommendationFilters(min_price=Decimal(40), max_price=Decimal(70)), lambda item: 40 <= item.price <= 70),
        (RecommendationFilters(size="XL"), lambda item: "XL" in item.sizes),
        (RecommendationFilters(gender="Women"), lambda item: item.gender in ("Women", "Unisex")),
        (
            RecommendationFilters(category=taxonomy.TOPS, max_price=Decimal(90), size="M", gender="Men"),
            lambda item: item.category == taxonomy.TOPS and item.price <= 90 and "M" in item.sizes and item.gender in ("Men", "Unisex"),
        ),
    ],
    ids=["category", "price-range", "size", "gender", "all-at-once"],
)
def test_every_returned_item_satisfies_the_filters(alice, closet, filters, holds):
    page = recommendations_for(user=alice, filters=filters, seed=3, k=10)
    assert page.cards
    assert all(holds(card.item) for card in page.cards)


def test_likes_pull_the_next_list_toward_the_liked_items(alice, closet, inventory, settings):
    # Noise off: the refresh noise is large next to one like's pull on these 16-d vectors, and this measures the pull.
    settings.RECOMMENDER_NOISE_SIGMA = 0.0

    def closeness(page, target):
        vectors = np.stack([np.frombuffer(bytes(c.item.embedding), dtype="<f4") for c in page.cards])
        return float((vectors @ target).mean())

    liked = [item for item in inventory if item.category == taxonomy.BAGS][:3]
    target = unit(np.mean([np.frombuffer(bytes(i.embedding), dtype="<f4") for i in liked], axis=0))
    before = closeness(recommendations_for(user=alice, seed=5, k=12), target)
    for item in liked:
        feedback_set(user=alice, item_id=item.pk, kind=Feedback.Kind.LIKE)
    after = closeness(recommendations_for(user=alice, seed=5, k=12), target)
    assert after > before + 0.05


def test_every_recommendation_names_one_of_the_users_own_garments(alice, closet):
    page = recommendations_for(user=alice, seed=2, k=12)
    owned = {g.pk for g in closet}
    assert all(card.because is not None and card.because.pk in owned for card in page.cards)


def test_a_closet_of_two_distinct_styles_is_grouped_by_style(alice, inventory):
    for i, axis in enumerate((0, 1)):
        for j in range(4):
            v = np.zeros(16, dtype=np.float32)
            v[axis] = 1.0
            v[2 + j] = 0.2
            ready_garment(alice, unit(v), name=f"style{i}-{j}")
    page = recommendations_for(user=alice, seed=1, k=12)
    assert len(page.groups) >= 2
    assert sum(len(g.cards) for g in page.groups) == len(page.cards)


def test_a_user_without_garments_gets_a_diverse_onboarding_set(alice, inventory):
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "onboarding"
    assert len({card.item.category for card in page.cards}) >= 5


def test_garments_still_being_analysed_are_reported_for_polling(alice, inventory):
    pending = GarmentFactory(owner=alice)
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "embedding"
    assert page.waiting_ids == [pending.pk]


def test_an_empty_inventory_says_there_is_nothing_to_recommend(alice):
    ready_garment(alice, unit(np.ones(16)))
    assert recommendations_for(user=alice, seed=1).state == "no_inventory"


def test_a_missing_index_folder_degrades_to_exact_search(alice, closet, settings):
    import shutil

    version = IndexVersion.objects.get(is_current=True)
    shutil.rmtree(version.folder)
    page = recommendations_for(user=alice, seed=1, k=12)
    assert page.state == "ready" and len(page.cards) == 12
    assert page.degraded


def test_a_garment_with_an_inventory_items_id_does_not_hide_that_item(alice, inventory):
    """Garments reach the ranking as negative ids: garment 5 must not exclude inventory item 5."""
    from recommender.models import InventoryItem
    from recommender.services import rebuild_index

    garment = ready_garment(alice, unit(np.ones(16)))
    InventoryItem.objects.filter(pk=garment.pk).delete()
    nudge = np.zeros(16, dtype=np.float32)
    nudge[0] = 0.9
    twin = InventoryItemFactory(id=garment.pk, vector=unit(np.ones(16) / 4 + nudge))
    rebuild_index(force=True)
    assert twin.pk == garment.pk
    assert twin.pk in ids(recommendations_for(user=alice, seed=1, k=12))


def test_recommend_for_liked_returns_a_list_per_liked_id_without_the_liked_items(alice, inventory):
    liked = [inventory[1].pk, inventory[2].pk]
    found = selectors.recommend_for_liked(user=alice, item_ids=liked, k=5)
    assert list(found) == liked
    for matches in found.values():
        assert len(matches) == 5
        assert not {m.item.pk for m in matches} & set(liked)


def test_similar_to_an_item_puts_its_nearest_neighbour_first(alice, inventory):
    source = inventory[10]
    v = np.frombuffer(bytes(source.embedding), dtype="<f4")
    scores = {i.pk: float(np.frombuffer(bytes(i.embedding), dtype="<f4") @ v) for i in inventory if i.pk != source.pk}
    result = selectors.similar_to_item(user=alice, item_id=source.pk, k=5)
    assert result.items[0].item.pk == max(scores, key=scores.get)
    assert source.pk not in {m.item.pk for m in result.items}


def test_similar_to_a_garment_also_searches_the_users_closet(alice, closet):
    result = selectors.similar_to_item(user=alice, garment_id=closet[0].pk, k=5)
    assert result.items
    assert {m.garment.pk for m in result.garments} == {g.pk for g in closet[1:]}


def test_similar_to_another_users_garment_is_refused(alice, closet):
    bob = UserFactory(username="bob")
    with pytest.raises(Garment.DoesNotExist):
        selectors.similar_to_item(user=bob, garment_id=closet[0].pk)


def test_pairings_never_return_the_garments_own_category(alice, inventory):
    top = ready_garment(alice, np.frombuffer(bytes(inventory[0].embedding), dtype="<f4"), category=taxonomy.TOPS)
    ready_garment(alice, np.frombuffer(bytes(inventory[6].embedding), dtype="<f4"), category=taxonomy.TOPS)
    jeans = ready_garment(alice, np.frombuffer(bytes(inventory[1].embedding), dtype="<f4"), category=taxonomy.BOTTOMS)
    pairings = selectors.pairings_for(garment=top, k=10)
    assert pairings.inventory
    assert all(m.item.category != taxonomy.TOPS for m in pairings.inventory)
    assert [m.garment.pk for m in pairings.closet] == [jeans.pk]


def test_pairings_come_from_several_complementary_categories(alice, inventory):
    top = ready_garment(alice, np.frombuffer(bytes(inventory[0].embedding), dtype="<f4"), category=taxonomy.TOPS)
    pairings = selectors.pairings_for(garment=top, k=10)
    assert len({m.item.category for m in pairings.inventory}) >= 3


def test_pairings_leave_out_hidden_items(alice, inventory):
    top = ready_garment(alice, np.frombuffer(bytes(inventory[0].embedding), dtype="<f4"), category=taxonomy.TOPS)
    first = selectors.pairings_for(garment=top, k=10).inventory[0].item
    feedback_set(user=alice, item_id=first.pk, kind=Feedback.Kind.HIDE)
    assert first.pk not in {m.item.pk for m in selectors.pairings_for(garment=top, k=10).inventory}


def test_another_users_feedback_does_not_change_my_list(alice, closet):
    bob = UserFactory(username="bob")
    mine = ids(recommendations_for(user=alice, seed=4, k=12))
    for item_id in mine[:5]:
        feedback_set(user=bob, item_id=item_id, kind=Feedback.Kind.HIDE)
    assert ids(recommendations_for(user=alice, seed=4, k=12)) == mine


def test_an_unreachable_cache_costs_the_page_nothing(alice, closet, settings):
    first = ids(recommendations_for(user=alice, seed=1, k=12))
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}

    feedback_set(user=alice, item_id=first[0], kind=Feedback.Kind.HIDE)
    page = recommendations_for(user=alice, seed=1, k=12)

    assert page.state == "ready" and len(page.cards) == 12
    assert first[0] not in ids(page)


def test_style_this_offers_to_save_the_garment_with_one_closet_piece_per_category_as_an_outfit(alice_client, alice, inventory):
    top = ready_garment(alice, np.frombuffer(bytes(inventory[0].embedding), dtype="<f4"), category=taxonomy.TOPS)
    jeans = ready_garment(alice, np.frombuffer(bytes(inventory[1].embedding), dtype="<f4"), category=taxonomy.BOTTOMS)
    skirt = ready_garment(alice, np.frombuffer(bytes(inventory[8].embedding), dtype="<f4"), category=taxonomy.BOTTOMS)
    html = alice_client.get(f"/closet/{top.pk}/style/").content.decode()
    form = html[html.index('class="panel save-outfit"'):]
    form = form[: form.index("</form>")]
    assert 'action="/outfits/new/"' in html and f'name="garment" value="{top.pk}"' in form
    ticked = [pk for pk in (jeans.pk, skirt.pk) if f'value="{pk}" checked' in form]
    assert len(ticked) == 1 and all(f'value="{pk}"' in form for pk in (jeans.pk, skirt.pk))
    builder = alice_client.get("/outfits/new/", {"garment": [top.pk, ticked[0]]}).content.decode()
    assert top.name in builder
