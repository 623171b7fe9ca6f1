"""manage.py finetune_encoder: the shop's own active inventory trains an encoder of its own."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from ml.encoders import ImageEncoder
from recommender import services
from recommender.management.commands.finetune_encoder import inventory_catalogue
from recommender.models import InventoryItem

pytestmark = pytest.mark.django_db

MINI = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "fashion-products-mini"


@pytest.fixture
def mini_inventory():
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI.resolve()}")
    services.import_inventory(csv_path=MINI / "items.csv", images_dir=MINI / "images")
    return InventoryItem.objects.all()


def test_the_catalogue_is_the_active_inventory_with_its_labels(mini_inventory):
    retired = mini_inventory.first()
    InventoryItem.objects.filter(pk=retired.pk).update(is_active=False)
    catalogue = inventory_catalogue()
    ids = {item.id for item in catalogue.items}
    assert retired.external_id not in ids
    assert len(ids) == mini_inventory.filter(is_active=True).count()
    labelled = next(i for i in InventoryItem.objects.filter(is_active=True) if i.article_type)
    row = next(item for item in catalogue.items if item.id == labelled.external_id)
    assert (row.article_type, row.base_colour, row.gender) == (labelled.article_type, labelled.base_colour, labelled.gender)
    photo = catalogue.read(row)
    assert isinstance(photo, bytes) and photo[:2] == b"\xff\xd8"  # the stored JPEG itself


def test_the_command_trains_a_checkpoint_the_encoder_loads(mini_inventory, tmp_path):
    out = io.StringIO()
    call_command("finetune_encoder", out=str(tmp_path / "shop.pt"), export=str(tmp_path / "shop-fp16.pt"),
                 epochs=1, views=1, quiet=True, stdout=out)
    assert "best epoch" in out.getvalue() and f"ML_IMAGE_WEIGHTS={tmp_path / 'shop-fp16.pt'}" in out.getvalue()
    catalogue = inventory_catalogue()
    photos = [catalogue.read(item) for item in catalogue.items[:2]]
    tuned = ImageEncoder(input_size=96, weights=tmp_path / "shop-fp16.pt", device="cpu").embed(photos)
    default = ImageEncoder(input_size=96, device="cpu").embed(photos)
    assert tuned.shape == default.shape and not np.allclose(tuned, default, atol=1e-3)


def test_a_shop_too_small_to_validate_gets_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="need both"):
        call_command("finetune_encoder", out=str(tmp_path / "none.pt"), epochs=1, quiet=True)
