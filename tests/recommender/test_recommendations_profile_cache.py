"""The For you profile is cached between refreshes, and a closet change reaches the next list anyway."""
import numpy as np
import pytest

from recommender.selectors import recommendations_for
from tests.factories import UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory, ready_garment, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory():
    return make_inventory()


def test_a_refresh_with_the_same_seed_from_the_cache_gives_the_same_list(inventory):
    alice = UserFactory()
    closet_near(alice, inventory)
    first = recommendations_for(user=alice, seed=11, k=12)
    again = recommendations_for(user=alice, seed=11, k=12)
    assert [c.item.pk for c in first.cards] == [c.item.pk for c in again.cards]


def test_a_garment_embedded_after_a_list_was_cached_shapes_the_next_list(inventory):
    alice = UserFactory()
    closet_near(alice, inventory, picks=(0,))
    before = recommendations_for(user=alice, seed=3, k=12)
    far = min(inventory, key=lambda item: float(np.frombuffer(bytes(item.embedding), dtype="<f4") @ np.frombuffer(bytes(inventory[0].embedding), dtype="<f4")))
    for n in range(4):
        ready_garment(alice, unit(np.frombuffer(bytes(far.embedding), dtype="<f4") + 0.05 * n), category=far.category, name=f"New {n}")
    after = recommendations_for(user=alice, seed=3, k=12)
    new_names = {f"New {n}" for n in range(4)}
    assert not any(c.because.name in new_names for c in before.cards)
    assert any(c.because is not None and c.because.name in new_names for c in after.cards)
