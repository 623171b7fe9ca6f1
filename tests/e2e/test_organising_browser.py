"""Organising on a phone, by keyboard only: tick garments, archive them in one bulk edit, find them archived."""
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, UserFactory, image_bytes
from wardrobe import taxonomy
from wardrobe.models import Garment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _garment(owner, name: str, colour: tuple[int, int, int]) -> Garment:
    """A garment row with a stored photo, made without the upload service: its embedding job (the real encoder,
    run in-process without a broker) is not what this test is about."""
    photo = default_storage.save("garments/e2e.jpg", ContentFile(image_bytes(colour=colour)))
    return Garment.objects.create(owner=owner, name=name, image=photo, thumbnail=photo, category=taxonomy.TOPS)


def test_bulk_archive_by_keyboard_on_a_phone(page, screenshot_dir):
    alice = UserFactory(username="alice")
    for name, colour in (("Red tee", (200, 40, 40)), ("Navy tee", (20, 30, 90)), ("Green tee", (30, 140, 60))):
        _garment(alice, name, colour)
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url("**/closet/")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the closet scrolls sideways on a phone"
    for label in ("Select Red tee", "Select Navy tee"):
        page.get_by_label(label).focus()
        page.keyboard.press("Space")
    assert page.locator("[data-bulk-count]").inner_text() == "2 selected"
    page.focus("#bulk_archive")
    page.select_option("#bulk_archive", "archive")
    page.screenshot(path=str(screenshot_dir / "closet-bulk-edit-phone.png"), full_page=True)
    page.focus("button:has-text('Apply to selected')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/closet/bulk/")
    assert "2 garments updated" in page.locator("[role=status]").inner_text()

    page.goto("/closet/")
    assert page.locator(".card__title").all_inner_texts() == ["Green tee"]
    page.goto("/closet/?archived=on")
    assert sorted(page.locator(".card__title").all_inner_texts()) == ["Navy tee", "Red tee"]
