"""The colour suggested at upload reads the garment's own pixels: the embedding job combines the shop items' colour
vote with the colour model (wardrobe.colour_suggestion), the edit form's suggestions say the same, and a missing
colour model leaves the vote alone without failing the embedding. Real encoder, real colour model, mini-set photos."""
import csv
import logging

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ml.vectors import from_blob
from recommender.autotag import guesses_for_upload
from recommender.models import InventoryItem
from tests.recommender.test_crop_to_search import MINI, shop  # noqa: F401 - the mini-set shop fixture
from tests.wardrobe.test_upload_tags import upload
from wardrobe import taxonomy
from wardrobe.embedding import get_encoder
from wardrobe.models import EmbeddingState, Garment

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

GREEN_TSHIRT = "52150"  # a green T-shirt of the mini set, in the validation split (the colour model never saw it)


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_DEVICE = "cpu"


@pytest.fixture
def coloured_shop(shop):  # noqa: F811 - the fixture imported above
    """The mini-set shop with each item's own baseColour, so the neighbours vote real colours."""
    with open(MINI / "items.csv", newline="", encoding="utf-8") as fh:
        colour_of = {r["productDisplayName"]: r["baseColour"] for r in csv.DictReader(fh)}
    for item in InventoryItem.objects.all():
        item.base_colour = colour_of.get(item.name, "")
        item.colour = taxonomy.colour_for(item.base_colour)
        item.save(update_fields=["base_colour", "colour"])
    return shop


def suggested_colour(garment: Garment) -> str:
    """The colour the upload suggested, applied (marked suggested) or offered."""
    if "colour" in garment.suggested_fields:
        return garment.colour
    return garment.tag_offers.get("colour", {}).get("value", "")


def test_an_uploaded_green_tshirt_is_suggested_green(coloured_shop, alice):
    garment = upload(alice, GREEN_TSHIRT)

    assert garment.embedding_state == EmbeddingState.READY
    assert suggested_colour(garment) == "green"


def test_the_edit_forms_suggestion_is_the_uploads_colour(coloured_shop, alice):
    garment = upload(alice, GREEN_TSHIRT)
    api = APIClient()
    api.force_authenticate(alice)

    body = api.get(reverse("api-garment-suggestions", args=[garment.pk])).json()

    assert body["state"] == "ready"
    assert body["colour"]["value"] == "green" and body["colour"]["label"] == "Green"


def test_a_missing_colour_model_still_embeds_and_suggests_the_vote(coloured_shop, alice, settings, tmp_path, caplog):
    settings.ML_COLOUR_WEIGHTS = str(tmp_path / "missing" / "colour.npz")

    with caplog.at_level(logging.WARNING, logger="wardrobe.colour_suggestion"):
        garment = upload(alice, GREEN_TSHIRT)

    encoder = get_encoder()
    photo_only = encoder.layout.photo_only(encoder.split(from_blob(garment.embedding))[0])[0]
    vote = guesses_for_upload(photo_only, encoder.version)["colour"]
    assert garment.embedding_state == EmbeddingState.READY
    assert suggested_colour(garment) == vote.value
    assert "colour model unavailable" in caplog.text


def test_an_unreadable_colour_model_still_embeds_the_garment(coloured_shop, alice, settings, tmp_path):
    broken = tmp_path / "colour.npz"
    broken.write_bytes(b"not a classifier")
    settings.ML_COLOUR_WEIGHTS = str(broken)

    garment = upload(alice, GREEN_TSHIRT)

    assert garment.embedding_state == EmbeddingState.READY
    assert garment.colour_model_guess == {}
