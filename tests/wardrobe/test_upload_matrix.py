"""The bad-upload matrix, through both doors: the upload form and the API. Each bad file is refused with a clear
message, and leaves no garment row and no file behind."""
import io
import struct
import zlib

import pytest
from django.urls import reverse
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from tests.factories import PASSWORD, image_bytes, upload
from wardrobe.models import Garment


def _truncated_jpeg() -> bytes:
    noisy = Image.effect_noise((120, 90), 80).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=95)
    data = out.getvalue()
    return data[: len(data) // 2]


def _pixel_bomb() -> bytes:
    # 9000 x 9000 one-bit pixels: 81 megapixels in a file of a few kilobytes.
    return image_bytes("PNG", size=(9000, 9000), colour=0, mode="1")


def _noise_jpeg(size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.effect_noise(size, 90).convert("RGB").save(out, format="JPEG", quality=98)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(*extra_chunks: bytes, size=(8, 8), bit_depth=8, colour_type=2, idat: bytes | None = None) -> bytes:
    """A PNG written chunk by chunk, so that a test can put in what Pillow itself would never write."""
    width, height = size
    if idat is None:
        idat = zlib.compress(b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height)))
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + b"".join(extra_chunks)
        + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def _huge_iccp_png() -> bytes:
    # 2 KB on the wire, a 2 MB colour profile once inflated (Pillow caps one chunk at 1 MB).
    return _png(_chunk(b"iCCP", b"icc\x00\x00" + zlib.compress(bytes(2 * 1024 * 1024), 9)))


def _huge_ztxt_png() -> bytes:
    return _png(_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (2 * 1024 * 1024), 9)))


def _many_ztxt_png() -> bytes:
    # Each chunk stays under Pillow's per-chunk cap; together they pass its total text budget.
    one = _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"A" * (900 * 1024), 9))
    return _png(*[one] * 80)


def _strip_png(size) -> bytes:
    return image_bytes("PNG", size=size, colour=(20, 40, 60))


def _header_only_jpeg() -> bytes:
    # A client that stopped sending inside the scan header: every table is there, no picture data.
    data = image_bytes("JPEG", size=(50, 50))
    return data[: data.index(b"\xff\xda") + 8]


def _900_megapixel_png() -> bytes:
    # The header claims 30,000 x 30,000 one-bit pixels; Pillow refuses it on open, before reading any data.
    return _png(size=(30_000, 30_000), bit_depth=1, colour_type=0, idat=zlib.compress(b"\x00" * 64))


BAD_FILES = {
    "non-image": ("notes.jpg", lambda: b"this is a text file, not a photo\n" * 20, "not an image"),
    "truncated jpeg": ("cut.jpg", _truncated_jpeg, "damaged or incomplete"),
    "zero bytes": ("empty.jpg", lambda: b"", "empty"),
    "pixel bomb": ("bomb.png", _pixel_bomb, "megapixels"),
    "oversize file": ("big.jpg", _noise_jpeg, "limit"),
    "gif": ("anim.gif", lambda: image_bytes("GIF"), "not accepted"),
    "huge iCCP chunk": ("profile.png", _huge_iccp_png, "too much embedded metadata"),
    "huge zTXt chunk": ("comment.png", _huge_ztxt_png, "too much embedded metadata"),
    "many zTXt chunks": ("comments.png", _many_ztxt_png, "too much embedded metadata"),
    "1x70000 strip": ("tall.png", lambda: _strip_png((1, 70_000)), "too long and thin"),
    "70000x1 strip": ("wide.png", lambda: _strip_png((70_000, 1)), "too long and thin"),
    "header-only jpeg": ("header.jpg", _header_only_jpeg, "damaged or incomplete"),
    "900-megapixel bomb": ("bomb900.png", _900_megapixel_png, "too large: 900 megapixels"),
}


class FormDoor:
    def __init__(self, client):
        self.client = client

    def send(self, files):
        return self.client.post(reverse("wardrobe:garment-upload"), {"photos": files})

    def error_text(self, response) -> str:
        return response.content.decode()


class ApiDoor:
    def __init__(self, api):
        self.api = api

    def send(self, files):
        if len(files) == 1:
            return self.api.post("/api/garments/", {"image": files[0]}, format="multipart")
        return self.api.post("/api/garments/batch/", {"images": files}, format="multipart")

    def error_text(self, response) -> str:
        return str(response.json())


class SimilarApiDoor(ApiDoor):
    def send(self, files):
        return self.api.post("/api/similar/", {"image": files[0]}, format="multipart")


class SimilarPageDoor(FormDoor):
    def send(self, files):
        return self.client.post(reverse("recommender:similar"), {"photo": files[0]})


@pytest.fixture(params=["form", "api"])
def door(request, alice, client):
    if request.param == "form":
        client.login(username="alice", password=PASSWORD)
        return FormDoor(client)
    api = APIClient()
    api.force_authenticate(alice)
    return ApiDoor(api)


@pytest.fixture(params=["form", "api", "similar-api", "similar-page"])
def any_door(request, alice, client):
    """Every place a photo comes in: the closet's two doors and find-similar's two (which store nothing)."""
    if request.param in ("form", "similar-page"):
        client.login(username="alice", password=PASSWORD)
        return FormDoor(client) if request.param == "form" else SimilarPageDoor(client)
    api = APIClient()
    api.force_authenticate(alice)
    return ApiDoor(api) if request.param == "api" else SimilarApiDoor(api)


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_upload_is_refused_with_a_clear_message_and_leaves_nothing(case, any_door, settings, stored_files):
    filename, make, expected = BAD_FILES[case]
    if case == "oversize file":
        settings.UPLOAD_MAX_BYTES = 20_000  # the other hostile files are bigger than that, and must fail on their own
    door = any_door
    response = door.send([upload(filename, make())])
    assert response.status_code == 400
    assert expected in door.error_text(response)
    assert filename in door.error_text(response) or isinstance(door, (ApiDoor, SimilarPageDoor))
    assert Garment.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_a_batch_keeps_the_good_photos_and_reports_the_bad_one(door, stored_files):
    files = [upload("good-1.jpg"), upload("bad.jpg", b"not an image"), upload("good-2.png", image_bytes("PNG"))]
    response = door.send(files)
    assert response.status_code in (201, 302)
    assert sorted(Garment.objects.values_list("name", flat=True)) == ["good 1", "good 2"]
    assert len(stored_files()) == 4  # two photos, two thumbnails, nothing from the bad one


def _stored_image(garment: Garment) -> Image.Image:
    with garment.image.open("rb") as fh:
        img = Image.open(io.BytesIO(fh.read()))
        img.load()
    return img


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    data = image_bytes(exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo), "fixture must carry GPS"
    return data


@pytest.mark.django_db
def test_gps_exif_is_not_kept(door):
    door.send([upload("gps.jpg", _jpeg_with_gps())])
    stored = _stored_image(Garment.objects.get())
    assert not stored.getexif()
    assert "exif" not in stored.info


@pytest.mark.django_db
def test_exif_orientation_6_is_stored_upright(door):
    img = Image.new("RGB", (80, 40), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 40, 40))  # left half red as stored; after a 90-degree turn it is on top
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, quality=95)
    door.send([upload("rotated.jpg", out.getvalue())])
    stored = _stored_image(Garment.objects.get())
    assert stored.size == (40, 80)
    r, g, b = stored.getpixel((20, 10))
    assert r > 200 and b < 60
    assert not stored.getexif().get(ExifTags.Base.Orientation)


@pytest.mark.django_db
def test_png_alpha_is_composited_onto_white(door):
    img = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    img.paste((200, 0, 0, 255), (0, 0, 20, 40))
    out = io.BytesIO()
    img.save(out, format="PNG")
    door.send([upload("cutout.png", out.getvalue(), "image/png")])
    stored = _stored_image(Garment.objects.get())
    assert stored.mode == "RGB"
    assert min(stored.getpixel((35, 20))) > 245
    assert stored.getpixel((5, 20))[0] > 180


@pytest.mark.django_db
def test_cmyk_jpeg_is_converted_to_rgb(door):
    door.send([upload("print.jpg", image_bytes(mode="CMYK", colour=(0, 255, 255, 0)))])
    stored = _stored_image(Garment.objects.get())
    assert stored.mode == "RGB"
    r, g, b = stored.getpixel((30, 40))
    assert r > 200 and g < 60 and b < 60


@pytest.mark.django_db
@pytest.mark.parametrize("fmt, name", [("WEBP", "photo.webp"), ("PNG", "photo.png"), ("JPEG", "photo.jpeg")])
def test_accepted_formats_become_garments(door, fmt, name):
    response = door.send([upload(name, image_bytes(fmt))])
    assert response.status_code in (201, 302)
    assert Garment.objects.count() == 1


@pytest.mark.django_db
def test_heic_photos_are_accepted(door):
    pillow_heif = pytest.importorskip("pillow_heif")
    out = io.BytesIO()
    try:
        pillow_heif.from_pillow(Image.new("RGB", (64, 64), (30, 160, 90))).save(out, quality=80)
    except Exception as exc:  # the wheel may ship without an HEVC encoder
        pytest.skip(f"cannot encode HEIC here: {exc}")
    response = door.send([upload("phone.heic", out.getvalue(), "image/heic")])
    assert response.status_code in (201, 302)
    assert _stored_image(Garment.objects.get()).size == (64, 64)


@pytest.mark.django_db
def test_a_batch_over_the_photo_count_limit_is_refused_up_front_and_adds_nothing(door, settings, stored_files):
    settings.UPLOAD_BATCH_MAX_FILES = 3
    response = door.send([upload(f"shirt-{i}.jpg") for i in range(4)])
    assert response.status_code == 400
    assert "You chose 4 photos; you can upload up to 3 photos" in door.error_text(response)
    assert Garment.objects.count() == 0
    assert stored_files() == []


@pytest.mark.django_db
def test_a_batch_over_the_byte_limit_is_refused_up_front_and_adds_nothing(door, settings, stored_files):
    photos = [upload(f"noisy-{i}.jpg", _noise_jpeg((120, 120))) for i in range(3)]
    settings.UPLOAD_BATCH_MAX_BYTES = sum(p.size for p in photos) - 1
    response = door.send(photos)
    assert response.status_code == 400
    assert "These photos add up to" in door.error_text(response)
    assert Garment.objects.count() == 0


@pytest.mark.django_db
def test_a_body_far_over_the_byte_limit_is_refused_before_it_is_read(client, alice, settings):
    settings.UPLOAD_BATCH_MAX_BYTES = 1000
    client.login(username="alice", password=PASSWORD)
    response = client.post(reverse("wardrobe:garment-upload"), {"photos": [upload("big.png", bytes(2 * 1024 * 1024))]})
    assert response.status_code == 400
    assert "This upload is 2 MB; you can upload up to" in response.content.decode()
    assert Garment.objects.count() == 0


@pytest.mark.django_db
def test_more_files_than_django_parses_gives_the_upload_form_with_a_message(client, alice, settings):
    client.login(username="alice", password=PASSWORD)
    files = [upload(f"p{i}.jpg", b"x") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = client.post(reverse("wardrobe:garment-upload"), {"photos": files})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Add to your closet" in html and "More than 100 files were sent at once" in html
    assert Garment.objects.count() == 0


@pytest.mark.django_db
def test_more_files_than_django_parses_is_an_api_error_not_an_html_page(alice, settings):
    api = APIClient()
    api.force_authenticate(alice)
    files = [upload(f"p{i}.jpg", b"x") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    response = api.post("/api/garments/batch/", {"images": files}, format="multipart")
    assert response.status_code == 400
    assert "More than 100 files were sent at once" in response.json()["detail"]


@pytest.mark.django_db
def test_the_upload_page_states_the_batch_limits(client, alice, settings):
    settings.UPLOAD_BATCH_MAX_FILES, settings.UPLOAD_BATCH_MAX_BYTES = 7, 30 * 1024 * 1024
    client.login(username="alice", password=PASSWORD)
    assert "You can upload up to 7 photos and 30 MB in all per upload." in client.get(reverse("wardrobe:garment-upload")).content.decode()


@pytest.mark.django_db
def test_an_upload_without_its_csrf_token_is_still_refused(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=PASSWORD)
    response = client.post(reverse("wardrobe:garment-upload"), {"photos": [upload("shirt.jpg")]})
    assert response.status_code == 403
    assert Garment.objects.count() == 0


@pytest.mark.django_db
def test_a_batch_that_runs_out_of_time_reports_the_photos_it_did_not_add(door, settings):
    settings.UPLOAD_BATCH_BUDGET_SECONDS = 0  # the first photo starts inside the budget, the rest find it spent
    response = door.send([upload("first.jpg"), upload("second.jpg"), upload("third.jpg")])
    assert response.status_code in (201, 302)
    assert list(Garment.objects.values_list("name", flat=True)) == ["first"]
    report = door.error_text(door.client.get(reverse("wardrobe:closet"))) if isinstance(door, FormDoor) else door.error_text(response)
    assert "second.jpg" in report and "ran out of time" in report
