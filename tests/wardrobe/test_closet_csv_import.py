"""The CSV closet import: all or nothing, with a problem per row, on the real database and storage."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import image_bytes
from tests.wardrobe.zips import bomb, make_zip
from wardrobe import closet_import, taxonomy
from wardrobe.models import Garment

pytestmark = pytest.mark.django_db

HEADER = "name,brand,category,colour,size,price_paid,season,tags,image\n"
GOOD = HEADER + (
    "Blue shirt,Uniqlo,Tops,blue,M,19.90,summer,work|Linen,shirt.jpg\n"
    "Black jeans,Levi's,bottoms,Black,32,\u20ac79,all season,,photos/jeans.png\n"
)


def photos() -> bytes:
    return make_zip({"shirt.jpg": image_bytes(), "photos/jeans.png": image_bytes("PNG", colour=(10, 10, 10))})


def run(user, text: str | bytes, zip_bytes: bytes | None = None) -> closet_import.ImportReport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return closet_import.closet_csv_import(
        owner=user, csv_file=io.BytesIO(data), photos_zip=io.BytesIO(zip_bytes) if zip_bytes is not None else None
    )


def test_every_row_becomes_a_garment_with_its_fields(alice):
    report = run(alice, GOOD, photos())
    assert report.ok and report.rows == 2
    shirt = Garment.objects.get(owner=alice, name="Blue shirt")
    assert (shirt.brand, shirt.category, shirt.colour, shirt.size, str(shirt.price_paid), shirt.season) == (
        "Uniqlo", taxonomy.TOPS, "blue", "M", "19.90", taxonomy.SUMMER
    )
    assert sorted(shirt.tags.values_list("name", flat=True)) == ["linen", "work"]
    jeans = Garment.objects.get(owner=alice, name="Black jeans")
    assert (jeans.colour, str(jeans.price_paid), jeans.season) == ("black", "79.00", taxonomy.ALL_SEASON)


def test_a_byte_order_mark_is_ignored(alice):
    assert run(alice, b"\xef\xbb\xbf" + GOOD.encode(), photos()).ok


def test_utf16_with_its_bom_is_read(alice):
    assert run(alice, GOOD.encode("utf-16"), photos()).ok


def test_text_that_is_not_utf8_names_the_line_and_imports_nothing(alice, stored_files):
    data = (HEADER + "Shirt,Acme,tops,,,,,,shirt.jpg\nCaf\xe9 top,Acme,tops,,,,,,jeans.png\n").encode("latin-1")
    report = run(alice, data, photos())
    assert not report.ok and "line 3" in report.problems[0].reason
    assert not Garment.objects.exists() and stored_files() == []


def test_bad_rows_are_each_reported_by_line_and_nothing_is_imported(alice, stored_files):
    text = GOOD + "Wool hat,,hats,,,,,,hat.jpg\nScarf,,accessories,plaid,,-3,monsoon,,shirt.jpg\n"
    report = run(alice, text, photos())
    assert [p.row for p in report.problems] == [4, 5]
    assert "unknown category 'hats'" in report.problems[0].reason and "hat.jpg is not in the zip" in report.problems[0].reason
    assert all(word in report.problems[1].reason for word in ("unknown colour 'plaid'", "price_paid", "unknown season", "already used on line 2"))
    assert not Garment.objects.exists() and stored_files() == []


def test_a_photo_that_is_not_an_image_is_reported_on_its_row(alice):
    report = run(alice, HEADER + "Shirt,,tops,,,,,,shirt.jpg\n", make_zip({"shirt.jpg": b"not a photo"}))
    assert report.problems[0].row == 2 and "not an image we can read" in report.problems[0].reason
    assert not Garment.objects.exists()


def test_a_row_with_too_many_cells_is_reported(alice):
    report = run(alice, HEADER + "Shirt,,tops,,,,,,shirt.jpg,extra\n", photos())
    assert report.problems[0].row == 2 and "10 cells" in report.problems[0].reason


def test_a_csv_without_an_image_column_is_refused(alice):
    report = run(alice, "name,brand\nShirt,Acme\n", photos())
    assert "no image column" in report.problems[0].reason


@pytest.mark.parametrize(
    "zip_bytes, message",
    [
        (b"this is not a zip", "not a zip"),
        (make_zip({"shirt.jpg": image_bytes()}, encrypted=("shirt.jpg",)), "encrypted"),
        (make_zip({"../shirt.jpg": image_bytes()}), "outside the archive"),
        (bomb(), "zip bomb"),
    ],
    ids=["corrupt", "encrypted", "path-traversal", "bomb"],
)
def test_a_malformed_zip_is_refused_with_a_clear_message_and_imports_nothing(alice, stored_files, zip_bytes, message):
    report = run(alice, GOOD, zip_bytes)
    assert message in report.problems[0].reason and report.problems[0].row == 0
    assert not Garment.objects.exists() and stored_files() == []


def test_a_failure_while_writing_rolls_back_the_rows_and_deletes_their_files(alice, stored_files, monkeypatch):
    """A fault injected into the write pass, after the first garment was stored (checks cannot foresee every
    failure, e.g. a disk that fills up)."""
    from django.core.exceptions import ValidationError

    from wardrobe import organising

    def fail(**kwargs):
        raise ValidationError("the disk is full")

    monkeypatch.setattr(organising, "garment_set_tags", fail)
    report = run(alice, GOOD, photos())
    assert not report.ok and "nothing was imported" in report.problems[0].reason
    assert not Garment.objects.exists() and stored_files() == []


def test_the_import_page_shows_each_problem(alice_client):
    response = alice_client.post(
        reverse("wardrobe:closet-import"),
        {"csv_file": SimpleUploadedFile("closet.csv", (HEADER + "Hat,,hats,,,,,,hat.jpg\n").encode()),
         "photos": SimpleUploadedFile("photos.zip", photos())},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in page and "unknown category" in page


def test_the_import_page_imports_and_returns_to_the_closet(alice_client, alice):
    response = alice_client.post(
        reverse("wardrobe:closet-import"),
        {"csv_file": SimpleUploadedFile("closet.csv", GOOD.encode()), "photos": SimpleUploadedFile("photos.zip", photos())},
    )
    assert response.status_code == 302 and Garment.objects.filter(owner=alice).count() == 2


def test_the_api_import_creates_the_garments_for_the_caller_only(alice, bob):
    client = APIClient()
    client.force_authenticate(bob)
    response = client.post(
        "/api/garments/import/csv/",
        {"csv_file": SimpleUploadedFile("c.csv", GOOD.encode()), "photos": SimpleUploadedFile("p.zip", photos())},
        format="multipart",
    )
    assert response.status_code == 201
    assert sorted(tuple(g["tags"]) for g in response.json()["created"]) == [(), ("linen", "work")]
    assert Garment.objects.filter(owner=bob).count() == 2 and not Garment.objects.filter(owner=alice).exists()


def test_the_api_import_answers_400_with_the_problems(alice):
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post(
        "/api/garments/import/csv/", {"csv_file": SimpleUploadedFile("c.csv", (HEADER + "x,,tops,,,,,,nope.jpg\n").encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["problems"] == [{"row": 2, "name": "x", "reason": "photo nope.jpg needs the zip of photos"}]
