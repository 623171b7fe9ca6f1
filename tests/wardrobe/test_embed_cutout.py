"""The garment embedding job embeds a home photo cut out on white and a photo already on white as it is; the stored
original is never changed."""
import io

import numpy as np
import pytest
from PIL import Image

from ml.homephotos import make_home_photo
from tests.factories import GarmentFactory, red_shirt_on_white, upload
from wardrobe import embedding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"


@pytest.fixture
def encoder_inputs(monkeypatch):
    """What the job hands the real encoder, recorded."""
    encoder = embedding.get_encoder()
    seen = []
    real_embed = encoder.embed
    monkeypatch.setattr(encoder, "embed", lambda images, texts: seen.extend(images) or real_embed(images, texts))
    return seen


def test_a_home_photo_is_embedded_as_its_cut_out_on_white(encoder_inputs):
    home = make_home_photo(red_shirt_on_white(), seed=3).jpeg
    garment = GarmentFactory(image=upload("shirt.jpg", home))
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.READY
    (seen,) = encoder_inputs
    rgb = np.asarray(seen)
    width, height = Image.open(io.BytesIO(home)).size
    assert seen.width < width and seen.height < height
    assert (rgb[0, 0] > 240).all() and (rgb[-1, -1] > 240).all()  # the corners are white, not the blanket


def test_a_photo_on_white_is_embedded_uncropped(encoder_inputs):
    photo = red_shirt_on_white()
    garment = GarmentFactory(image=upload("shirt.jpg", photo))
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.READY
    (seen,) = encoder_inputs
    assert Image.open(io.BytesIO(seen)).size == (200, 300)


def test_the_job_keeps_the_stored_original(encoder_inputs):
    home = make_home_photo(red_shirt_on_white(), seed=3).jpeg
    garment = GarmentFactory(image=upload("shirt.jpg", home))
    original = garment.image.read()
    embedding.embed_garment(garment_id=garment.pk)
    garment.refresh_from_db()
    assert garment.image.read() == original
