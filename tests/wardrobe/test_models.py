import pytest
from django.db import IntegrityError, transaction

from tests.factories import GarmentFactory
from wardrobe.models import EmbeddingState, Garment, InvalidEmbeddingTransition

VECTOR = b"\x00\x00\x80\x3f" * 8  # eight float32 ones


@pytest.fixture
def garment(db):
    return GarmentFactory()


def test_a_new_garment_waits_for_its_embedding(garment):
    assert garment.embedding_state == EmbeddingState.PENDING
    assert garment.embedding is None


def test_a_processed_garment_becomes_ready_with_its_vector_and_version(garment):
    garment.mark_processing()
    garment.mark_ready(VECTOR, "effnet-v1")
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY
    assert bytes(garment.embedding) == VECTOR
    assert garment.embedding_version == "effnet-v1"
    assert garment.embedding_updated_at is not None


def test_a_garment_that_was_not_processing_cannot_become_ready(garment):
    with pytest.raises(InvalidEmbeddingTransition):
        garment.mark_ready(VECTOR, "effnet-v1")


def test_a_vector_that_is_not_float32_bytes_is_refused(garment):
    garment.mark_processing()
    with pytest.raises(ValueError):
        garment.mark_ready(b"\x00\x01\x02", "effnet-v1")


def test_a_failure_keeps_its_reason(garment):
    garment.mark_processing()
    garment.mark_failed("image unreadable")
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.FAILED
    assert garment.embedding_error == "image unreadable"


def test_reset_forgets_the_vector_and_waits_again(garment):
    garment.mark_processing()
    garment.mark_ready(VECTOR, "effnet-v1")
    garment.reset_embedding()
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.PENDING
    assert garment.embedding is None and garment.embedding_version == ""


def test_the_database_refuses_a_ready_garment_without_a_vector(garment):
    with pytest.raises(IntegrityError), transaction.atomic():
        Garment.objects.filter(pk=garment.pk).update(embedding_state=EmbeddingState.READY)
