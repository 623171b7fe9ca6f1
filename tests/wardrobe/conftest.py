import pytest

from tests.factories import GarmentFactory


@pytest.fixture
def alices_garment(alice):
    return GarmentFactory(owner=alice, name="Blue linen shirt", brand="Uniqlo")
