"""An edit of what the embedding reads (name, brand, category, colour) re-embeds the garment; other edits do not."""
import pytest
from django.urls import reverse

from wardrobe.models import EmbeddingState

pytestmark = pytest.mark.django_db


def _ready(garment):
    garment.mark_processing()
    garment.mark_ready(b"\x00" * 16, "v1")
    return garment


FORM = {"name": "Blue linen shirt", "brand": "Uniqlo", "category": "tops", "colour": "red", "size": "", "price_paid": "", "notes": ""}


def test_renaming_on_the_edit_page_resets_the_embedding(alice_client, alices_garment, django_capture_on_commit_callbacks):
    _ready(alices_garment)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alice_client.post(reverse("wardrobe:garment-edit", args=[alices_garment.pk]), {**FORM, "name": "Linen shirt"})
    alices_garment.refresh_from_db()
    assert (alices_garment.embedding_state, alices_garment.embedding) == (EmbeddingState.PENDING, None)
    assert callbacks, "the embedding job is queued on commit"


def test_changing_only_the_season_on_the_edit_page_keeps_the_embedding(alice_client, alices_garment):
    _ready(alices_garment)
    alice_client.post(reverse("wardrobe:garment-edit", args=[alices_garment.pk]), {**FORM, "season": "summer", "tags": "work"})
    alices_garment.refresh_from_db()
    assert alices_garment.embedding_state == EmbeddingState.READY and alices_garment.season == "summer"


def test_changing_the_colour_through_the_api_resets_the_embedding(api, alices_garment):
    _ready(alices_garment)
    api.patch(reverse("api-garment-detail", args=[alices_garment.pk]), {"colour": "blue"}, format="json")
    alices_garment.refresh_from_db()
    assert alices_garment.embedding_state == EmbeddingState.PENDING


def test_changing_only_tags_through_the_api_keeps_the_embedding(api, alices_garment):
    _ready(alices_garment)
    api.patch(reverse("api-garment-detail", args=[alices_garment.pk]), {"tags": ["work"]}, format="json")
    alices_garment.refresh_from_db()
    assert alices_garment.embedding_state == EmbeddingState.READY
