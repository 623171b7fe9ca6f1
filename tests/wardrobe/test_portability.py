"""The account export and its restore: a round trip keeps every object and photo; broken files restore nothing."""
import datetime as dt
import hashlib
import io
import itertools
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.portability import account_export_bytes
from accounts.restore import account_restore
from recommender.models import Feedback
from recommender.services.feedback import feedback_set
from tests.factories import InventoryItemFactory, OutfitFactory, WearFactory, image_bytes, upload
from tests.factories import GarmentFactory as _GarmentFactory
from tests.wardrobe.zips import make_zip
from wardrobe import organising, taxonomy, wears
from wardrobe.models import Garment, Outfit, Plan, Wear

pytestmark = pytest.mark.django_db

_colours = itertools.count()


def GarmentFactory(**kwargs):
    """A garment with a photo of its own colour: duplicates are found by photo checksum, and the factory's default
    photo is one and the same for every garment."""
    shade = 10 + (next(_colours) * 7) % 240
    return _GarmentFactory(image=upload(data=image_bytes(colour=(shade, 255 - shade, shade // 2))), **kwargs)


@pytest.fixture
def full_closet(alice):
    """Alice's closet with one of everything an export holds."""
    shirt = GarmentFactory(owner=alice, name="Oxford shirt", brand="Uniqlo", price_paid=Decimal("39.90"))
    chinos = GarmentFactory(owner=alice, name="Chinos", category=taxonomy.BOTTOMS, colour="beige")
    boots = GarmentFactory(owner=alice, name="Boots", category=taxonomy.SHOES, colour="brown")
    scarf = GarmentFactory(owner=alice, name="Old scarf", category=taxonomy.ACCESSORIES, colour="grey")
    organising.garment_edit(garment=shirt, data={"season": taxonomy.SPRING}, tags=["work", "favourite"])
    organising.garment_archive(garment=scarf)
    office = OutfitFactory(owner=alice, name="Office", garments=[shirt, chinos, boots], occasion="formal")
    weekend = OutfitFactory(owner=alice, name="Weekend", garments=[chinos, scarf])
    WearFactory(owner=alice, outfit=office, date=dt.date(2026, 11, 12))
    WearFactory(owner=alice, garment=shirt, date=dt.date(2026, 11, 13))
    WearFactory(owner=alice, outfit=weekend, date=dt.date(2026, 11, 14))
    wears.plan_create(owner=alice, date=wears.today() + dt.timedelta(days=3), outfit=office, notes="board meeting")
    liked, hidden = InventoryItemFactory(), InventoryItemFactory()
    feedback_set(user=alice, item_id=liked.pk, kind=Feedback.Kind.LIKE)
    feedback_set(user=alice, item_id=hidden.pk, kind=Feedback.Kind.HIDE)
    return alice


def manifest_of(raw: bytes) -> dict:
    return json.loads(zipfile.ZipFile(io.BytesIO(raw)).read("manifest.json"))


def canonical(raw: bytes) -> dict:
    """The export's content with its ids replaced by what they point at (a garment by its photo's checksum), so two
    accounts' exports compare equal when they hold the same things."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    m = json.loads(archive.read("manifest.json"))
    sha = {g["id"]: hashlib.sha256(archive.read(g["image"])).hexdigest() for g in m["garments"]}
    outfit_name = {o["id"]: o["name"] for o in m["outfits"]}
    return {
        "garments": sorted(
            (sha[g["id"]], g["photo_sha256"], g["name"], g["brand"], g["category"], g["colour"], g["price_paid"],
             g["season"], tuple(g["tags"]), bool(g["archived_at"]), g["created_at"])
            for g in m["garments"]
        ),
        "outfits": sorted(
            (o["name"], o["occasion"], tuple((sha.get(i["garment"], ""), i["slot"], i["name"]) for i in o["items"]))
            for o in m["outfits"]
        ),
        "wears": sorted(
            (w["date"], sha.get(w["garment"], ""), outfit_name.get(w["outfit"], ""), tuple(sorted(sha[g] for g in w["garments"])))
            for w in m["wears"]
        ),
        "plans": sorted((p["date"], outfit_name[p["outfit"]], p["notes"]) for p in m["plans"]),
        "feedback": sorted((f["item"], f["kind"]) for f in m["feedback"]),
    }


def restore(user, raw: bytes):
    return account_restore(user=user, archive_file=io.BytesIO(raw))


def test_the_export_has_a_versioned_manifest_of_every_kind_and_the_photos(full_closet):
    raw = account_export_bytes(user=full_closet)
    m = manifest_of(raw)
    assert (m["format"], m["version"]) == ("closetspace-export", 2)
    assert m["counts"] == {"garments": 4, "outfits": 2, "wears": 3, "plans": 1, "feedback": 2, "photos": 4, "mood_boards": 0, "board_photos": 0}
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert all(g["image"] in names for g in m["garments"])


def test_a_round_trip_into_a_fresh_account_restores_every_object_and_photo(full_closet, bob):
    original = account_export_bytes(user=full_closet)
    report = restore(bob, original)
    assert report.ok, report.problems
    assert report.created == {"garments": 4, "outfits": 2, "wears": 3, "plans": 1, "feedback": 2}
    assert canonical(account_export_bytes(user=bob)) == canonical(original)
    assert Garment.objects.filter(owner=bob, archived_at__isnull=False).count() == 1
    assert all(o.cover for o in Outfit.objects.filter(owner=bob))


def test_restoring_an_export_into_its_own_account_skips_every_duplicate(full_closet):
    before = canonical(account_export_bytes(user=full_closet))
    report = restore(full_closet, account_export_bytes(user=full_closet))
    assert report.ok and sum(report.created.values()) == 0
    assert report.duplicates == {"garments": 4, "outfits": 2, "wears": 3, "plans": 1, "feedback": 2}
    assert canonical(account_export_bytes(user=full_closet)) == before


def test_restoring_into_an_account_that_has_some_of_it_adds_only_the_rest(full_closet, bob):
    raw = account_export_bytes(user=full_closet)
    restore(bob, raw)
    Wear.objects.filter(owner=bob, outfit__name="Weekend").delete()  # a deleted outfit's wears stay, so they go first
    Outfit.objects.filter(owner=bob, name="Weekend").delete()
    Wear.objects.filter(owner=bob, garment__isnull=False).delete()
    report = restore(bob, raw)
    assert report.created["garments"] == 0 and report.created["outfits"] == 1 and report.created["wears"] == 2
    assert canonical(account_export_bytes(user=bob)) == canonical(raw)


def test_an_outfit_piece_deleted_before_the_export_comes_back_as_removed(alice, bob):
    top, bottom = GarmentFactory(owner=alice), GarmentFactory(owner=alice, category=taxonomy.BOTTOMS)
    OutfitFactory(owner=alice, name="Gone top", garments=[top, bottom])
    top.delete()
    assert restore(bob, account_export_bytes(user=alice)).ok
    items = list(Outfit.objects.get(owner=bob).items.order_by("position"))
    assert [(i.garment_id is None, i.name_snapshot) for i in items] == [(True, top.name), (False, bottom.name)]


def test_likes_of_items_the_shop_no_longer_has_are_counted_not_restored(alice, bob):
    item = InventoryItemFactory()
    feedback_set(user=alice, item_id=item.pk, kind=Feedback.Kind.LIKE)
    raw = account_export_bytes(user=alice)
    item.delete()
    report = restore(bob, raw)
    assert report.ok and report.unavailable == 1 and not Feedback.objects.filter(user=bob).exists()


def test_a_version_1_export_restores_its_garments(alice, bob):
    GarmentFactory(owner=alice, name="Old format shirt")
    archive = zipfile.ZipFile(io.BytesIO(account_export_bytes(user=alice)))
    legacy = make_zip({n: archive.read(n) for n in archive.namelist() if n != "manifest.json"})
    report = restore(bob, legacy)
    assert report.ok and report.version == 1
    assert list(Garment.objects.filter(owner=bob).values_list("name", flat=True)) == ["Old format shirt"]


def _tampered(raw: bytes, *, manifest=None, drop: str = "", replace: dict | None = None) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(raw))
    members = {n: archive.read(n) for n in archive.namelist() if n != drop}
    if manifest is not None:
        m = json.loads(members["manifest.json"])
        manifest(m)
        members["manifest.json"] = json.dumps(m).encode()
    members.update(replace or {})
    return make_zip(members)


@pytest.mark.parametrize(
    "make_bad, message",
    [
        (lambda raw: b"not a zip at all", "not a zip"),
        (lambda raw: make_zip({"photo.jpg": image_bytes()}), "no manifest.json"),
        (lambda raw: _tampered(raw, replace={"manifest.json": b"{not json"}), "not valid JSON"),
        (lambda raw: _tampered(raw, manifest=lambda m: m.update(version=99)), "newer than this site reads"),
        (lambda raw: _tampered(raw, replace={"images/%d.jpg" % manifest_of(raw)["garments"][0]["id"]: image_bytes(colour=(1, 2, 3))}), "does not match its checksum"),
        (lambda raw: _tampered(raw, drop="images/%d.jpg" % manifest_of(raw)["garments"][1]["id"]), "is not in the zip"),
        (lambda raw: _tampered(raw, manifest=lambda m: m["wears"][0].update(outfit=999999)), "wears #1"),
        (lambda raw: _tampered(raw, manifest=lambda m: m["garments"][0].update(category="spacesuits")), "unknown category"),
        (lambda raw: _tampered(raw, replace={"../evil.txt": b"x"}), "outside the archive"),
        (lambda raw: make_zip({"manifest.json": b"{}"}, encrypted=("manifest.json",)), "encrypted"),
    ],
    ids=["not-a-zip", "no-manifest", "bad-json", "newer-version", "checksum", "missing-photo", "dangling-link",
         "bad-field", "path-traversal", "encrypted"],
)
def test_a_broken_export_restores_nothing_and_says_why(full_closet, bob, stored_files, make_bad, message):
    bad = make_bad(account_export_bytes(user=full_closet))
    files_before = stored_files()
    report = restore(bob, bad)
    assert not report.ok and any(message in p for p in report.problems), report.problems
    assert not Garment.objects.filter(owner=bob).exists() and not Wear.objects.filter(owner=bob).exists()
    assert stored_files() == files_before


def test_a_failure_while_writing_rolls_back_and_deletes_the_stored_photos(full_closet, bob, stored_files, monkeypatch):
    """A fault injected into the last step of the write pass, after every photo and outfit cover was stored."""
    from django.core.exceptions import ValidationError

    from accounts import restore_write

    def fail(**kwargs):
        raise ValidationError("the database went away")

    raw = account_export_bytes(user=full_closet)
    files_before = stored_files()
    monkeypatch.setattr(restore_write, "feedback_set", fail)
    report = restore(bob, raw)
    assert not report.ok and "nothing was imported" in report.problems[0]
    assert not Garment.objects.filter(owner=bob).exists() and not Plan.objects.filter(owner=bob).exists()
    assert stored_files() == files_before


def test_the_profile_page_restores_and_shows_what_came_back(full_closet, bob, client):
    from tests.factories import PASSWORD

    raw = account_export_bytes(user=full_closet)
    client.login(username="bob", password=PASSWORD)
    response = client.post(reverse("data-import"), {"archive": SimpleUploadedFile("export.zip", raw)})
    page = response.content.decode()
    assert response.status_code == 200 and "Restored." in page and "<strong>4</strong>garments" in page


def test_the_profile_page_lists_the_problems_of_a_broken_export(alice_client):
    response = alice_client.post(reverse("data-import"), {"archive": SimpleUploadedFile("export.zip", b"garbage")})
    assert response.status_code == 400 and "Nothing was restored" in response.content.decode()


def test_the_api_exports_only_the_callers_data(full_closet, bob):
    GarmentFactory(owner=bob, name="Bob's hat")
    client = APIClient()
    client.force_authenticate(bob)
    response = client.get("/api/account/export/")
    m = manifest_of(b"".join(response.streaming_content))
    assert [g["name"] for g in m["garments"]] == ["Bob's hat"] and m["wears"] == [] and m["feedback"] == []


def test_the_api_restores_into_the_callers_account(full_closet, charlie):
    client = APIClient()
    client.force_authenticate(charlie)
    response = client.post(
        "/api/account/import/", {"archive": SimpleUploadedFile("e.zip", account_export_bytes(user=full_closet))},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["created"]["garments"] == 4
    assert Garment.objects.filter(owner=charlie).count() == 4 and Garment.objects.filter(owner=full_closet).count() == 4


def test_the_export_and_import_api_need_a_login():
    assert APIClient().get("/api/account/export/").status_code in (401, 403)
    assert APIClient().post("/api/account/import/").status_code in (401, 403)
