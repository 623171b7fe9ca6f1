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


# --- hostile import files (issue 17): every one ends its job as failed with the reason, and nothing half-written ---

import io  # noqa: E402
import re  # noqa: E402
import zipfile  # noqa: E402

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402

from recommender.models import ImportJob  # noqa: E402
from recommender.services.import_files import unpack_images_zip  # noqa: E402


def _csv_bytes(rows, header=STYLES_HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(f"images/{name}", data)
    return out.getvalue()


def _patched_zip(local_offset: int, central_offset: int, value: bytes) -> bytes:
    """A one-photo zip with a header field overwritten in both the local and the central header."""
    data = bytearray(_zip({"1.jpg": image_bytes()}))
    for signature, offset in ((b"PK\x03\x04", local_offset), (b"PK\x01\x02", central_offset)):
        at = data.index(signature) + offset
        data[at:at + len(value)] = value
    return bytes(data)


def _encrypted_zip() -> bytes:
    return _patched_zip(6, 8, b"\x01\x00")  # general-purpose flag bit 0: encrypted


def _ppmd_zip() -> bytes:
    return _patched_zip(8, 10, b"\x62\x00")  # compression method 98 (PPMd), which zipfile cannot read


def _corrupt_zip() -> bytes:
    data = bytearray(_zip({"1.jpg": b"\x00" * 5000 + bytes(range(256)) * 40}))
    start = data.index(b"PK\x03\x04") + 30 + len("images/1.jpg")
    data[start + 2:start + 40] = b"\xff" * 38  # inside the deflate stream
    return bytes(data)


def _job(csv_data: bytes, zip_data: bytes | None = None) -> ImportJob:
    zip_file = ContentFile(zip_data, name="images.zip") if zip_data is not None else None
    return services.import_job_create(csv_file=ContentFile(csv_data, name="items.csv"), images_zip=zip_file, embed=False)


HOSTILE_JOBS = {
    "encrypted zip": (_encrypted_zip, None, "encrypted"),
    "unsupported compression": (_ppmd_zip, None, "compression method 98"),
    "corrupt zip": (_corrupt_zip, None, "not a readable zip"),
    "csv with a huge field": (None, lambda: _csv_bytes([styles_row("1", name="x" * 200_000)]), "longer than 131,072 characters"),
}


@pytest.mark.parametrize("case", list(HOSTILE_JOBS))
def test_a_hostile_import_ends_the_job_as_failed_with_its_reason(case):
    make_zip, make_csv, reason = HOSTILE_JOBS[case]
    job = _job(make_csv() if make_csv else _csv_bytes([styles_row("1")]), make_zip() if make_zip else None)
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert reason in job.error
    assert InventoryItem.objects.count() == 0


def test_a_nul_byte_late_in_the_csv_refuses_the_import_before_any_row_is_written(tmp_path):
    images = {str(n): image_bytes() for n in range(1, 7)}
    csv_path, images_dir = write_styles(tmp_path, [styles_row(str(n)) for n in range(1, 7)], images=images)
    csv_path.write_bytes(csv_path.read_bytes().replace(b"Casual,Peter England Men Party Blue Jeans\r\n6", b"Casual,Peter\x00\r\n6"))
    with pytest.raises(services.ImportFormatError, match="line 6: contains a NUL byte"):
        services.import_inventory(csv_path=csv_path, images_dir=images_dir, chunk_size=2)
    assert InventoryItem.objects.count() == 0


def test_a_latin1_csv_with_a_late_bad_byte_is_refused_with_its_line_not_a_codec_message(tmp_path):
    rows = [styles_row(str(n)) for n in range(1, 3001)] + [styles_row("3001", name="Caf\u00e9 Women Top")]
    (tmp_path / "items.csv").write_bytes(_csv_bytes(rows).replace("Caf\u00e9".encode(), "Caf\u00e9".encode("latin-1")))
    with pytest.raises(services.ImportFormatError) as refused:
        services.import_inventory(csv_path=tmp_path / "items.csv", images_dir=tmp_path, chunk_size=500)
    assert re.search(r"line 3002: byte \d+ \(0xe9\) is not UTF-8 text", str(refused.value))
    assert "codec" not in str(refused.value)
    assert InventoryItem.objects.count() == 0


@pytest.mark.parametrize("header", [STYLES_HEADER, ["external_id", "name", "category", "image"]], ids=["styles", "own"])
def test_a_utf8_csv_with_a_byte_order_mark_is_read(tmp_path, header):
    (tmp_path / "1.jpg").write_bytes(image_bytes())
    row = styles_row("1") if header is STYLES_HEADER else ["1", "Linen shirt", "tops", "1.jpg"]
    (tmp_path / "items.csv").write_bytes(b"\xef\xbb\xbf" + _csv_bytes([row], header=header))
    report = services.import_inventory(csv_path=tmp_path / "items.csv", images_dir=tmp_path)
    assert (report.created, report.bad) == (1, [])


def test_a_zip_that_inflates_a_thousandfold_is_refused(tmp_path):
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_zip({"1.jpg": bytes(4 * 1024 * 1024)}))  # 4 KB packed, 4 MB unpacked
    with pytest.raises(services.ImportFormatError, match="times larger than it is packed"):
        unpack_images_zip(zip_path=bomb, into=tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*.jpg"))


def test_a_zip_member_over_the_per_file_cap_is_refused(tmp_path, settings):
    settings.IMPORT_ZIP_MAX_MEMBER_BYTES = 1000
    (tmp_path / "a.zip").write_bytes(_zip({"1.jpg": bytes(range(256)) * 8}, method=zipfile.ZIP_STORED))
    with pytest.raises(services.ImportFormatError, match="the limit per file is"):
        unpack_images_zip(zip_path=tmp_path / "a.zip", into=tmp_path / "out")


def test_a_zip_over_the_total_cap_is_refused_before_anything_is_extracted(tmp_path, settings):
    settings.IMPORT_ZIP_MAX_BYTES = 3000
    photos = {f"{n}.jpg": bytes(range(256)) * 8 for n in range(2)}
    (tmp_path / "a.zip").write_bytes(_zip(photos, method=zipfile.ZIP_STORED))
    with pytest.raises(services.ImportFormatError, match="The zip unpacks to"):
        unpack_images_zip(zip_path=tmp_path / "a.zip", into=tmp_path / "out")
    assert not any((tmp_path / "out").rglob("*.jpg"))


@pytest.mark.parametrize("zip_data", [lambda: _zip({"1.jpg": image_bytes()}), _encrypted_zip], ids=["done", "failed"])
def test_an_import_jobs_uploads_are_deleted_when_it_ends(zip_data):
    job = _job(_csv_bytes([styles_row("1")]), zip_data())
    uploads = [job.csv_file.name, job.images_zip.name]
    assert all(default_storage.exists(name) for name in uploads)
    services.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED)
    assert not any(default_storage.exists(name) for name in uploads)
    assert (job.csv_file.name, job.images_zip.name) == ("", "")
