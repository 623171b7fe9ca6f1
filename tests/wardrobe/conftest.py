import pytest
from rest_framework.test import APIClient

from tests.factories import GarmentFactory


@pytest.fixture
def alices_garment(alice):
    return GarmentFactory(owner=alice, name="Blue linen shirt", brand="Uniqlo")


@pytest.fixture
def api(alice):
    """An API client authenticated as alice."""
    client = APIClient()
    client.force_authenticate(alice)
    return client
