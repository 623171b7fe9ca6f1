from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from wardrobe.models import Garment

pytestmark = pytest.mark.django_db

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"


def test_staff_see_garments_with_thumbnails_in_the_admin(staff_client, alices_garment):
    page = staff_client.get(reverse("admin:wardrobe_garment_changelist"), {"q": "linen"}).content.decode()
    assert "Blue linen shirt" in page
    thumb = reverse("admin:wardrobe_garment_photo", args=[alices_garment.pk, "thumb"])
    assert thumb in page
    assert staff_client.get(thumb)["Content-Type"] == "image/jpeg"


def test_non_staff_users_cannot_open_the_admin(alice_client, alices_garment):
    response = alice_client.get(reverse("admin:wardrobe_garment_photo", args=[alices_garment.pk, "thumb"]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_load_demo_creates_the_demo_closet_once(capsys):
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    call_command("load_demo", data=str(MINI))
    call_command("load_demo", data=str(MINI))
    assert Garment.objects.filter(owner__username="demo").count() == 8
    assert "Nothing to add" in capsys.readouterr().out


def test_load_demo_draws_garments_when_there_is_no_dataset(tmp_path):
    call_command("load_demo", data=str(tmp_path / "missing"))
    demo = Garment.objects.filter(owner__username="demo")
    assert demo.count() == 8
    assert demo.first().owner.check_password("demo")
