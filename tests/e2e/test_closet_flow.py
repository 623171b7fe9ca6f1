"""A person signs up, uploads two photos, sees them, edits one and deletes one, in a real browser."""
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from tests.e2e.conftest import PHONE
from tests.e2e.test_preferences_browser import sign_up
from wardrobe.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_closet_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"


def _garment_photo(path: Path, colour: str) -> Path:
    img = Image.new("RGB", (300, 380), "#fbfaf8")
    ImageDraw.Draw(img).polygon(
        [(80, 60), (130, 40), (170, 40), (220, 60), (280, 130), (240, 160), (220, 140), (220, 340), (80, 340), (80, 140), (60, 160), (20, 130)],
        fill=colour,
    )
    img.save(path, format="JPEG", quality=90)
    return path


def _sign_up(page, username: str) -> None:
    sign_up(page, username)  # what they shop for: skipped here (answered in test_preferences_browser)
    page.click("a:has-text('Skip for now') >> nth=0")
    page.wait_for_url("**/closet/upload/")


def test_sign_up_upload_edit_and_delete(page, tmp_path):
    _sign_up(page, "maya")

    page.set_input_files(
        "#id_photos", [_garment_photo(tmp_path / "red-tee.jpg", "#d8433a"), _garment_photo(tmp_path / "navy-tee.jpg", "#1f2f55")]
    )
    page.click("button:has-text('Upload')")
    page.wait_for_url("**/closet/")
    assert page.locator(".card").count() == 2
    assert page.locator(".card__title").all_inner_texts() == ["navy tee", "red tee"] or sorted(
        page.locator(".card__title").all_inner_texts()
    ) == ["navy tee", "red tee"]
    assert page.locator(".message--success").inner_text().startswith("Added 2 garments")

    page.click(".card__title:has-text('red tee')")
    page.click("a:has-text('Edit')")
    page.fill("#id_name", "Red summer tee")
    page.fill("#id_brand", "Basics Co")
    page.select_option("#id_category", "tops")
    page.select_option("#id_colour", "red")
    page.click("button:has-text('Save')")
    assert page.locator("h1").inner_text() == "Red summer tee"
    assert page.locator(".detail__brand").inner_text() == "Basics Co"

    page.click("a.back")
    page.click(".card__title:has-text('navy tee')")
    page.click("a:has-text('Delete')")
    page.click("button:has-text('Delete garment')")
    page.wait_for_url("**/closet/")
    titles = page.locator(".card__title").all_inner_texts()
    assert titles == ["Red summer tee"]
    img_ok = page.evaluate("() => [...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)")
    assert img_ok, "the closet's thumbnails did not load"


def test_closet_screenshots_at_desktop_and_phone_width(page, screenshot_dir):
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    demo_closet_load(data_dir=MINI, count=8)
    page.goto("/accounts/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/closet/")
    page.wait_for_function("() => [...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator(".card").count() == 8
    page.screenshot(path=str(screenshot_dir / "closet-desktop.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_function("() => [...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(screenshot_dir / "closet-phone.png"), full_page=True)
    too_wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert too_wide == [], f"these overflow the 375px screen: {too_wide}"
