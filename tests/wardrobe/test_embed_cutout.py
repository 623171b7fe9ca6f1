"""The garment embedding job embeds the garment cut out on white, never the raw photo, and keeps the original."""
import io

import pytest
from PIL import Image

from tests.factories import GarmentFactory, upload
from wardrobe import embedding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"


def _red_shirt_on_white() -> bytes:
    img = Image.new("RGB", (200, 300), "white")
    img.paste((200, 20, 20), (60, 80, 140, 220))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_the_job_embeds_the_cut_out_and_keeps_the_original(monkeypatch):
    garment = GarmentFactory(image=upload("shirt.jpg", _red_shirt_on_white()))
    original = garment.image.read()
    encoder = embedding.get_encoder()
    seen = []
    real_embed = encoder.embed
    monkeypatch.setattr(encoder, "embed", lambda images, texts: seen.extend(images) or real_embed(images, texts))
    assert embedding.embed_garment(garment_id=garment.pk) == embedding.Outcome.READY
    (cutout,) = seen
    assert isinstance(cutout, Image.Image) and cutout.width < 200 and cutout.height < 300
    garment.refresh_from_db()
    assert garment.image.read() == original
