"""The closet gender filter: read from the closet's own garment vectors by a probe trained on the inventory."""
from pathlib import Path

import numpy as np
import pytest

from recommender import closet_traits, services
from recommender.closet_traits import closet_gender_filter, gender_probe_for
from recommender.selectors import current_index
from tests.factories import InventoryItemFactory
from tests.recommender.recs_fixtures import DIM, ready_garment, unit

pytestmark = pytest.mark.django_db

AXIS = {"Men": 0, "Women": 1, "Unisex": 2}


def near(gender: str, n: int, *, seed: int, noise: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centre = np.eye(DIM)[AXIS[gender]]
    return np.stack([unit(centre + noise * rng.normal(size=DIM)) for _ in range(n)])


@pytest.fixture
def inventory():
    """40 items per gender, each gender around its own direction."""
    items = []
    for seed, gender in enumerate(AXIS):
        items += [InventoryItemFactory(vector=v, gender=gender) for v in near(gender, 40, seed=seed)]
    services.rebuild_index(force=True)
    return items


def closet(owner, gender: str, n: int, *, seed: int):
    """``n`` garments that look clearly like the inventory's ``gender`` items."""
    return [ready_garment(owner, v, name=f"{gender} {i}") for i, v in enumerate(near(gender, n, seed=seed, noise=0.1))]


def test_a_womens_closet_admits_womens_and_unisex_items(inventory, alice):
    closet(alice, "Women", 10, seed=11)

    assert closet_gender_filter(user=alice, index=current_index()) == frozenset({"Women", "Unisex"})


def test_a_closet_of_both_genders_admits_only_unisex_items(inventory, alice):
    closet(alice, "Women", 4, seed=11)
    closet(alice, "Men", 4, seed=12)

    assert closet_gender_filter(user=alice, index=current_index()) == frozenset({"Unisex"})


def test_an_empty_closet_gets_no_filter(inventory, alice):
    assert closet_gender_filter(user=alice, index=current_index()) is None


def test_the_index_rebuild_saves_the_probe_beside_the_index(inventory):
    folder = Path(current_index().version.folder)

    assert (folder / closet_traits.PROBE_FILE).exists()
    assert gender_probe_for(current_index()).classes == ("Men", "Unisex", "Women")


def test_a_request_never_trains_the_probe(inventory, alice, monkeypatch):
    import ml.gender

    monkeypatch.setattr(ml.gender, "train_probe", lambda *a, **kw: pytest.fail("trained in a request"))
    monkeypatch.setattr(ml.gender, "fit_probe", lambda *a, **kw: pytest.fail("fitted in a request"))
    closet(alice, "Women", 10, seed=11)

    assert closet_gender_filter(user=alice, index=current_index()) == frozenset({"Women", "Unisex"})


def test_vectors_that_say_nothing_of_gender_give_no_probe(alice):
    rng = np.random.default_rng(5)
    for i in range(120):
        InventoryItemFactory(vector=unit(rng.normal(size=DIM)), gender=("Men", "Women", "Unisex")[i % 3])
    services.rebuild_index(force=True)
    closet(alice, "Women", 5, seed=11)

    assert gender_probe_for(current_index()) is None
    assert closet_gender_filter(user=alice, index=current_index()) is None


def test_a_new_garment_changes_the_call(inventory, alice):
    closet(alice, "Women", 10, seed=11)
    index = current_index()
    assert closet_gender_filter(user=alice, index=index) == frozenset({"Women", "Unisex"})

    closet(alice, "Men", 12, seed=12)

    assert closet_gender_filter(user=alice, index=index) != frozenset({"Women", "Unisex"})


def test_an_inventory_of_one_gender_gives_no_probe_and_no_filter(alice):
    for v in near("Men", 40, seed=1):
        InventoryItemFactory(vector=v, gender="Men")
    services.rebuild_index(force=True)
    closet(alice, "Men", 3, seed=11)

    assert gender_probe_for(current_index()) is None
    assert closet_gender_filter(user=alice, index=current_index()) is None


ITEM_VERSION = "item:img:efficientnet_lite0:96:avg:0123456789ab|txt:all-MiniLM-L6-v2:0123456789ab|w=0.70"


def test_the_probe_reads_the_image_block_of_item_encoder_vectors():
    image = np.zeros((1, 1280), dtype=np.float32)
    image[0, :2] = [3.0, 4.0]
    text = np.ones((1, 384), dtype=np.float32)
    vectors = np.concatenate([image, text], axis=1)

    out = closet_traits.probe_input(vectors, ITEM_VERSION)

    assert out.shape == (1, 1280) and np.allclose(out[0, :2], [0.6, 0.8]) and not np.any(out[0, 2:])


def test_the_probe_reads_the_whole_vector_of_other_encoders():
    vectors = np.array([[3.0, 4.0, 0.0]], dtype=np.float32)

    assert np.allclose(closet_traits.probe_input(vectors, "test-v1"), [[0.6, 0.8, 0.0]])


def test_for_you_shows_a_womens_closet_only_womens_and_unisex_items(inventory, alice):
    from recommender.selectors import recommendations_for

    closet(alice, "Women", 10, seed=11)
    page = recommendations_for(user=alice, seed=1, k=20)

    assert page.closet_genders == frozenset({"Women", "Unisex"})
    assert page.cards and {card.item.gender for card in page.cards} <= {"Women", "Unisex"}


def test_a_gender_the_user_chose_wins_over_the_closets(inventory, alice):
    from recommender.selectors import RecommendationFilters, recommendations_for

    closet(alice, "Women", 10, seed=11)
    page = recommendations_for(user=alice, filters=RecommendationFilters(gender="Men"), seed=1, k=20)

    assert page.closet_genders is None
    assert page.cards and {card.item.gender for card in page.cards} <= {"Men", "Unisex"}


def test_the_for_you_page_says_which_genders_it_read_from_the_closet(inventory, alice, client):
    closet(alice, "Women", 10, seed=11)
    client.force_login(alice)

    html = client.get("/for-you/?seed=1").content.decode()

    assert "Showing items for Women, Unisex, read from your closet" in html
