"""Find similar for a photo: the shop's copy of the photographed product leads, found by the image alone, even when
the words the photo borrows from its neighbours point elsewhere."""
import numpy as np
import pytest

from recommender import services
from recommender.selectors import current_index
from recommender.selectors.similar import _inventory_similar
from tests.factories import InventoryItemFactory
from tests.recommender.recs_fixtures import DIM, unit

pytestmark = pytest.mark.django_db


def _vector(*head: float) -> np.ndarray:
    return unit(list(head) + [0.0] * (DIM - len(head)))


@pytest.fixture
def shop():
    """Dims 0-1 stand for the image, 2-3 for the words: the product (other words) and three look-alikes that share
    the words a photo of it borrows."""
    product = InventoryItemFactory(vector=_vector(1.0, 0.0, 0.0, 1.0), name="The product")
    alikes = [InventoryItemFactory(vector=_vector(a, b, 1.0, 0.0), name=f"Look-alike {i}")
              for i, (a, b) in enumerate([(0.8, 0.6), (0.7, 0.7), (0.6, 0.8)])]
    services.rebuild_index(force=True)
    return product, alikes


def test_a_photo_of_a_shop_product_finds_it_first(shop, alice):
    product, alikes = shop
    found = _inventory_similar(alice, current_index(), _vector(1.0, 0.0, 1.0, 0.0), k=4, source_id=None,
                               image_vector=_vector(1.0, 0.0, 0.0, 0.0))

    assert [m.item.pk for m in found][0] == product.pk
    assert sorted(m.item.pk for m in found) == sorted([product.pk] + [a.pk for a in alikes])


def test_a_query_without_a_photo_is_ranked_by_the_whole_vector(shop, alice):
    product, _ = shop
    found = _inventory_similar(alice, current_index(), _vector(1.0, 0.0, 1.0, 0.0), k=4, source_id=None)

    assert [m.item.pk for m in found][0] != product.pk
