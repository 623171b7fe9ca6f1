"""A person builds an outfit from their closet, saves it, logs it worn today, sees it on the calendar and opens
insights, in a real browser; screenshots of the builder, calendar and insights at desktop and phone width."""
from pathlib import Path

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from wardrobe.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_closet_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"
WIDEST = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))"""
IMAGES_LOADED = "() => [...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)"


def _shoot(page, screenshot_dir: Path, name: str) -> None:
    page.wait_for_function(IMAGES_LOADED)
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_function(IMAGES_LOADED)
    widest = page.evaluate(WIDEST)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"] + 1, f"{name} scrolls sideways on a phone: {widest}"
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_build_save_wear_and_see_it_on_the_calendar_and_insights(page, screenshot_dir):
    demo_closet_load(data_dir=MINI if (MINI / "items.csv").is_file() else None, count=8)
    page.goto("/accounts/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/closet/")

    page.click("nav >> text=Outfits")
    page.click("a:has-text('Build an outfit')")
    page.wait_for_url("**/outfits/new/")
    boxes = page.locator(".picker__item input[type=checkbox]")
    assert boxes.count() == 8
    names = []
    for i in range(3):
        boxes.nth(i).check()
        names.append(boxes.nth(i).get_attribute("data-label"))
    chosen = page.locator(".chosen__item .chosen__name")
    assert chosen.all_inner_texts() == names
    # Keyboard reorder: focus the first piece's "move down" button and press Enter.
    page.locator(".chosen__item").first.locator("button[aria-label^='Move'][aria-label$='down']").focus()
    page.keyboard.press("Enter")
    assert chosen.all_inner_texts() == [names[1], names[0], names[2]]
    page.fill("#id_name", "Saturday market")
    page.select_option("#id_occasion", "casual")
    _shoot(page, screenshot_dir, "outfit-builder")
    page.click("button:has-text('Save outfit')")
    assert page.locator("h1").inner_text() == "Saturday market"
    assert page.locator(".piece a").all_inner_texts() == [names[1], names[0], names[2]]
    assert page.locator(".detail__media img").evaluate("i => i.naturalWidth") == 600

    page.click("button:has-text('Log as worn')")
    page.wait_for_url("**/calendar/*/")
    assert "Logged" in page.locator(".message--success").inner_text()
    assert page.locator("text=Saturday market").count() >= 1

    page.click("nav >> text=Calendar")
    today_cell = page.locator(".calendar__day.is-today")
    assert today_cell.locator(".calendar__thumbs img").count() >= 1
    _shoot(page, screenshot_dir, "calendar")

    page.click("nav >> text=Insights")
    assert page.locator("[data-stat=wears]").inner_text() == "1"
    assert page.locator("svg.chart").count() >= 4
    _shoot(page, screenshot_dir, "insights")
