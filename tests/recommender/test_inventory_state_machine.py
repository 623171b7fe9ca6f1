"""Inventory items share the garment's embedding state machine (wardrobe.models.EmbeddedModel)."""
import pytest

from recommender.models import EmbeddingState, InvalidEmbeddingTransition
from tests.factories import GarmentFactory, InventoryItemFactory

pytestmark = pytest.mark.django_db

VECTOR = b"\x00\x00\x80\x3f" * 8


def test_an_inventory_item_goes_from_pending_through_processing_to_ready():
    item = InventoryItemFactory()
    assert item.embedding_state == EmbeddingState.PENDING
    item.mark_processing()
    item.mark_ready(VECTOR, "effnet-v1")
    item.refresh_from_db()
    assert (item.embedding_state, bytes(item.embedding), item.embedding_version) == (EmbeddingState.READY, VECTOR, "effnet-v1")


def test_a_refused_inventory_transition_names_the_inventory_item():
    item = InventoryItemFactory()
    with pytest.raises(InvalidEmbeddingTransition, match=rf"^inventory item {item.pk}: ready is reachable only from processing"):
        item.mark_ready(VECTOR, "effnet-v1")


def test_a_refused_garment_transition_still_names_the_garment():
    garment = GarmentFactory()
    garment.mark_processing()
    garment.mark_ready(VECTOR, "effnet-v1")
    with pytest.raises(InvalidEmbeddingTransition, match=rf"^garment {garment.pk}: cannot fail from ready"):
        garment.mark_failed("late failure")


def test_a_reset_inventory_item_forgets_its_vector_and_waits_again():
    item = InventoryItemFactory(vector=[1.0] * 8)
    item.reset_embedding()
    item.refresh_from_db()
    assert (item.embedding_state, item.embedding, item.embedding_version) == (EmbeddingState.PENDING, None, "")
