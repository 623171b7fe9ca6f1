"""Crop to search through the real encoder on real product photos: a composite of two products side by side finds,
for each half framed, an item of that half's product type; the API takes the same frame."""
import csv
import io
from pathlib import Path

import pytest
from PIL import Image
from rest_framework.test import APIClient

from ml.images import Box
from recommender import selectors
from recommender.services import rebuild_index
from tests.factories import InventoryItemFactory, UserFactory
from wardrobe import taxonomy

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MINI = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets" / "fashion-products-mini"
PAIR = ("Tshirts", "Casual Shoes")  # two products that share no part of a look


@pytest.fixture(autouse=True)
def small_encoder(settings):
    settings.ML_DEVICE = "cpu"


@pytest.fixture
def shop():
    """40 real products of the mini set (20 of each type of the pair, and the first of each is the composite's),
    embedded by the site's own encoder and indexed."""
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI.resolve()}")
    from wardrobe.embedding import get_encoder

    try:
        encoder = get_encoder()
    except Exception as exc:  # noqa: BLE001 - weights absent on this machine
        pytest.skip(f"the item encoder cannot load here: {exc}")
    with open(MINI / "items.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["articleType"] in PAIR and (MINI / "images" / f"{r['id']}.jpg").is_file()]
    chosen = [r for t in PAIR for r in [r for r in rows if r["articleType"] == t][:20]]
    if len({r["articleType"] for r in chosen}) < 2:
        pytest.skip("the mini set lacks one of the pair's types")
    photos = [(MINI / "images" / f"{r['id']}.jpg").read_bytes() for r in chosen]
    texts = [r["productDisplayName"] for r in chosen]
    vectors = encoder.embed(photos, texts)
    items = {}
    for row, vector in zip(chosen, vectors):
        category = taxonomy.category_for(row["masterCategory"], row["subCategory"], row["articleType"])
        items[row["id"]] = InventoryItemFactory(
            vector=vector, model_version=encoder.version, name=row["productDisplayName"], category=category,
            article_type=row["articleType"], gender=row["gender"],
        )
    rebuild_index(force=True)
    firsts = {t: next(r for r in chosen if r["articleType"] == t) for t in PAIR}
    return {t: (MINI / "images" / f"{firsts[t]['id']}.jpg").read_bytes() for t in PAIR}


def side_by_side(left: bytes, right: bytes) -> bytes:
    a, b = Image.open(io.BytesIO(left)).convert("RGB"), Image.open(io.BytesIO(right)).convert("RGB")
    height = max(a.height, b.height)
    canvas = Image.new("RGB", (a.width + b.width, height), "white")
    canvas.paste(a, (0, (height - a.height) // 2))
    canvas.paste(b, (a.width, (height - b.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=92)
    return out.getvalue()


def test_each_framed_half_of_a_composite_finds_its_products_type(shop):
    composite = side_by_side(shop[PAIR[0]], shop[PAIR[1]])
    alice = UserFactory(username="alice")
    found = {}
    for name, box in (("left", Box(0, 0, 0.5, 1)), ("right", Box(0.5, 0, 0.5, 1))):
        result = selectors.similar_to_image(user=alice, image=io.BytesIO(composite), k=5, box=box)
        found[name] = result.items[0].item.article_type
    assert found == {"left": PAIR[0], "right": PAIR[1]}


def test_the_api_searches_the_frame_it_is_given_and_says_what_it_took_it_for(shop):
    composite = side_by_side(shop[PAIR[0]], shop[PAIR[1]])
    client = APIClient()
    client.force_authenticate(UserFactory(username="alice"))
    upload = io.BytesIO(composite)
    upload.name = "look.jpg"
    body = client.post("/api/similar/", {"image": upload, "x": 0.5, "y": 0, "w": 0.5, "h": 1, "k": 3}, format="multipart").json()
    assert body["items"][0]["item"]["id"] and body["region"]["category"] == taxonomy.SHOES
