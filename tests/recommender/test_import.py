import csv
from decimal import Decimal

import pytest

from recommender import services
from recommender.models import EmbeddingState, InventoryItem
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

STYLES_HEADER = ["id", "gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "year", "usage", "productDisplayName"]


def write_styles(tmp_path, rows, images=None):
    (tmp_path / "images").mkdir(exist_ok=True)
    for item_id, data in (images or {}).items():
        (tmp_path / "images" / f"{item_id}.jpg").write_bytes(data)
    with open(tmp_path / "items.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(STYLES_HEADER)
        writer.writerows(rows)
    return tmp_path / "items.csv", tmp_path / "images"


def styles_row(item_id, name="Peter England Men Party Blue Jeans"):
    return [item_id, "Men", "Apparel", "Bottomwear", "Jeans", "Blue", "Summer", "2012", "Casual", name]


def test_good_rows_are_kept_and_bad_rows_reported_with_their_line_and_reason(tmp_path):
    csv_path, images = write_styles(
        tmp_path,
        [styles_row("1"), styles_row("2"), styles_row("3"), styles_row("4", name="")],
        images={"1": image_bytes(), "3": b"not a jpeg", "4": image_bytes()},
    )
    report = services.import_inventory(csv_path=csv_path, images_dir=images)
    assert list(InventoryItem.objects.values_list("external_id", flat=True)) == ["1"]
    assert [(b.row, b.reason) for b in report.bad] == [
        (3, "missing image"), (4, "unreadable image (UnidentifiedImageError)"), (5, "missing productDisplayName")
    ]


def test_a_styles_row_gets_taxonomy_category_brand_and_demo_price_and_sizes(tmp_path):
    csv_path, images = write_styles(tmp_path, [styles_row("7")], images={"7": image_bytes()})
    services.import_inventory(csv_path=csv_path, images_dir=images)
    item = InventoryItem.objects.get()
    assert (item.category, item.brand, item.colour) == ("bottoms", "Peter England", "blue")
    assert item.price == services.demo_price("7", "bottoms") and item.sizes == services.demo_sizes("7", "bottoms")
    assert item.embedding_state == EmbeddingState.PENDING and item.image.name == item.thumbnail.name


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    csv_path, images = write_styles(tmp_path, [styles_row("1"), styles_row("2")], images={"1": image_bytes(), "2": image_bytes()})
    services.import_inventory(csv_path=csv_path, images_dir=images)
    before = list(InventoryItem.objects.values_list("pk", "updated_at", "image"))
    report = services.import_inventory(csv_path=csv_path, images_dir=images)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert list(InventoryItem.objects.values_list("pk", "updated_at", "image")) == before


def test_reimporting_restores_a_stored_photo_that_went_missing(tmp_path):
    from django.core.files.storage import default_storage

    csv_path, images = write_styles(tmp_path, [styles_row("1"), styles_row("2")], images={"1": image_bytes(), "2": image_bytes()})
    services.import_inventory(csv_path=csv_path, images_dir=images)
    lost = InventoryItem.objects.get(external_id="1").image.name
    default_storage.delete(lost)
    report = services.import_inventory(csv_path=csv_path, images_dir=images)
    assert (report.updated, report.unchanged) == (1, 1)
    assert default_storage.exists(lost)


def test_a_changed_name_resets_the_embedding_of_that_item_only(tmp_path):
    csv_path, images = write_styles(tmp_path, [styles_row("1"), styles_row("2")], images={"1": image_bytes(), "2": image_bytes()})
    services.import_inventory(csv_path=csv_path, images_dir=images)
    InventoryItem.objects.update(embedding_state=EmbeddingState.READY, embedding=b"\0\0\0\0", embedding_version="v")
    write_styles(tmp_path, [styles_row("1", name="Puma Men Red Shoes"), styles_row("2")])
    report = services.import_inventory(csv_path=csv_path, images_dir=images)
    assert report.updated == 1
    assert dict(InventoryItem.objects.values_list("external_id", "embedding_state")) == {"1": "pending", "2": "ready"}


def test_own_format_reports_a_bad_price_and_keeps_the_rest(tmp_path):
    (tmp_path / "a.jpg").write_bytes(image_bytes())
    (tmp_path / "b.jpg").write_bytes(image_bytes())
    with open(tmp_path / "shop.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "name", "brand", "category", "colour", "gender", "price", "currency", "sizes", "url", "image"])
        writer.writerow(["a", "Linen shirt", "Acme", "tops", "white", "Women", "39.90", "eur", "S|M|L", "https://shop.example/a", "a.jpg"])
        writer.writerow(["b", "Wool coat", "Acme", "outerwear", "black", "Women", "cheap", "EUR", "M", "", "b.jpg"])
    report = services.import_inventory(csv_path=tmp_path / "shop.csv", images_dir=tmp_path)
    item = InventoryItem.objects.get()
    assert (item.external_id, item.price, item.currency, item.sizes) == ("a", Decimal("39.90"), "EUR", ["S", "M", "L"])
    assert [(b.row, b.reason) for b in report.bad] == [(3, "bad price 'cheap'")]


def test_a_csv_of_neither_format_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / "x.csv").write_text("foo,bar\n1,2\n")
    with pytest.raises(services.ImportFormatError, match="unknown columns"):
        services.import_inventory(csv_path=tmp_path / "x.csv", images_dir=tmp_path)


@pytest.mark.parametrize(
    ("name", "brand"),
    [("Peter England Men Party Blue Jeans", "Peter England"), ("Puma Unisex Black Cap", "Puma"), ("Reebok Shoes", "Reebok")],
)
def test_brand_is_the_words_before_the_gender_word(name, brand):
    assert services.brand_from_name(name) == brand


def test_progress_is_reported_with_the_total_before_the_first_chunk_and_after_each_chunk(tmp_path):
    csv_path, images = write_styles(tmp_path, [styles_row(str(n)) for n in range(1, 6)], images={"1": image_bytes()})
    calls = []
    services.import_inventory(csv_path=csv_path, images_dir=images, chunk_size=2, on_progress=lambda *c: calls.append(c))
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
