"""For you gives every category of the closet its share of the list (issue 13: "one category dominates"), over a
real index on the real database: a shop and closets whose categories are places in the vector space."""
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest

from recommender import services
from recommender.selectors import recommendations_for
from tests.factories import InventoryItemFactory
from tests.recommender.recs_fixtures import DIM, ready_garment, unit
from wardrobe import taxonomy

pytestmark = pytest.mark.django_db

SHOP = (taxonomy.TOPS, taxonomy.SHOES, taxonomy.BAGS)


@pytest.fixture
def centres():
    """Shoes and bags apart; tops between them, where the mean of a mixed closet falls."""
    rng = np.random.default_rng(21)
    shoes, bags = unit(rng.normal(size=DIM)), unit(rng.normal(size=DIM))
    return {taxonomy.TOPS: unit(shoes + bags + 0.3 * rng.normal(size=DIM)), taxonomy.SHOES: shoes,
            taxonomy.BAGS: bags}


@pytest.fixture
def shop(centres):
    """80 items per category around its centre."""
    rng = np.random.default_rng(22)
    for category, centre in centres.items():
        for i in range(80):
            InventoryItemFactory(vector=unit(centre * 3 + rng.normal(size=DIM)), category=category, gender="Unisex",
                                 price=Decimal(20 + i), currency="EUR", name=f"{category} {i}")
    services.rebuild_index(force=True)


def _closet(owner, centres, counts: dict[str, int], *, labelled: dict[str, str] | None = None):
    """Garments near the category centres; ``labelled`` maps a category to the category the user gave it."""
    rng = np.random.default_rng(23)
    for category, n in counts.items():
        for _ in range(n):
            ready_garment(owner, unit(centres[category] * 3 + rng.normal(size=DIM)),
                          category=(labelled or {}).get(category, category))


def _categories(page) -> Counter:
    return Counter(card.item.category for card in page.cards)


def test_a_closet_of_tops_shoes_and_a_bag_gets_some_of_each(alice, shop, centres):
    _closet(alice, centres, {taxonomy.TOPS: 6, taxonomy.SHOES: 2, taxonomy.BAGS: 2})
    shown = _categories(recommendations_for(user=alice, seed=1))
    assert shown[taxonomy.SHOES] >= 3 and shown[taxonomy.BAGS] >= 3
    assert shown[taxonomy.TOPS] <= 16  # 24 cards, 22 by slots (2 explore): about 13 tops, 4-5 shoes, 4-5 bags


def test_a_garment_left_other_counts_for_the_category_its_photo_shows(alice, shop, centres):
    _closet(alice, centres, {taxonomy.TOPS: 6, taxonomy.SHOES: 2, taxonomy.BAGS: 2},
            labelled={taxonomy.SHOES: taxonomy.OTHER})
    shown = _categories(recommendations_for(user=alice, seed=1))
    assert shown[taxonomy.SHOES] >= 3


def test_no_garment_explains_more_than_a_quarter_of_the_list(alice, shop, centres):
    _closet(alice, centres, {taxonomy.TOPS: 6, taxonomy.SHOES: 2, taxonomy.BAGS: 2})
    page = recommendations_for(user=alice, seed=2)
    credited = Counter(card.because.pk for card in page.cards if card.because is not None)
    assert len(page.cards) == 24
    assert max(credited.values()) <= 6


def test_a_closet_of_one_category_still_gets_a_full_list(alice, shop, centres):
    _closet(alice, centres, {taxonomy.SHOES: 5})
    page = recommendations_for(user=alice, seed=3)
    assert len(page.cards) == 24


@pytest.fixture
def mixed_shop():
    """40 items in each of five categories, scattered."""
    rng = np.random.default_rng(30)
    for category in (taxonomy.TOPS, taxonomy.BOTTOMS, taxonomy.SHOES, taxonomy.BAGS, taxonomy.BEAUTY):
        for i in range(40):
            InventoryItemFactory(vector=unit(rng.normal(size=DIM)), category=category, gender="Unisex",
                                 price=Decimal(20 + i), currency="EUR", name=f"{category} {i}")
    services.rebuild_index(force=True)


def _complete_group(page):
    return next((g for g in page.groups if g.complete), None)


def test_a_closet_without_shoes_or_bags_gets_a_complete_your_closet_group_of_them(alice, centres, mixed_shop):
    _closet(alice, {**centres, taxonomy.BOTTOMS: centres[taxonomy.SHOES]}, {taxonomy.TOPS: 4, taxonomy.BOTTOMS: 3})
    page = recommendations_for(user=alice, seed=1)
    group = _complete_group(page)
    assert group.label == "Complete your closet" and len(group.cards) == 4
    assert {c.item.category for c in group.cards} <= {taxonomy.SHOES, taxonomy.BAGS, taxonomy.OUTERWEAR,
                                                     taxonomy.ACCESSORIES, taxonomy.JEWELLERY}
    assert len(page.cards) == 24


def test_the_complete_group_stops_offering_a_category_once_the_closet_has_it(alice, centres, mixed_shop):
    _closet(alice, {**centres, taxonomy.BOTTOMS: centres[taxonomy.SHOES]}, {taxonomy.TOPS: 4, taxonomy.BOTTOMS: 3})
    before = {c.item.category for seed in (1, 2, 3)
              for c in _complete_group(recommendations_for(user=alice, seed=seed)).cards}
    assert taxonomy.SHOES in before
    ready_garment(alice, unit(centres[taxonomy.SHOES]), category=taxonomy.SHOES)
    after = {c.item.category for seed in (4, 5, 6)
             for c in _complete_group(recommendations_for(user=alice, seed=seed)).cards}
    assert taxonomy.SHOES not in after and after <= {taxonomy.BAGS}


def test_an_item_hidden_from_the_complete_group_never_comes_back(alice, centres, mixed_shop):
    from recommender.services.feedback import feedback_set

    _closet(alice, {**centres, taxonomy.BOTTOMS: centres[taxonomy.SHOES]}, {taxonomy.TOPS: 4, taxonomy.BOTTOMS: 3})
    hidden = _complete_group(recommendations_for(user=alice, seed=1)).cards[0].item.pk
    feedback_set(user=alice, item_id=hidden, kind="hide")
    for seed in range(1, 8):
        page = recommendations_for(user=alice, seed=seed)
        assert hidden not in {c.item.pk for c in page.cards}
        assert len(_complete_group(page).cards) == 4


def test_a_closet_that_has_every_pairing_gets_no_complete_group(alice, shop, centres):
    from ml.ranking import lacking_categories

    assert lacking_categories([taxonomy.TOPS, taxonomy.BOTTOMS]) == (
        taxonomy.ACCESSORIES, taxonomy.BAGS, taxonomy.JEWELLERY, taxonomy.OUTERWEAR, taxonomy.SHOES)
    everything = [c for c in taxonomy.CATEGORIES if c not in (taxonomy.BEAUTY, taxonomy.NIGHTWEAR, taxonomy.OTHER)]
    assert lacking_categories(everything) == ()


def test_filtering_by_a_category_shows_no_complete_group(alice, shop, centres):
    from recommender.selectors import RecommendationFilters

    _closet(alice, centres, {taxonomy.TOPS: 6, taxonomy.SHOES: 2})
    page = recommendations_for(user=alice, seed=1, filters=RecommendationFilters(category=taxonomy.SHOES))
    assert not any(g.complete for g in page.groups)
