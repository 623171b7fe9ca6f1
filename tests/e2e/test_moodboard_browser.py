"""A person makes a mood board, uploads a look and pins a shop item and a garment, frames one garment of the look
and searches it, and sees the board's group on For you, in a real browser over the mini inventory (real encoder).
Screenshots of the board, the crop search and For you with the board at desktop and phone width."""
import io
from pathlib import Path

import pytest
from PIL import Image

from recommender.models import InventoryItem
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_recommendations_browser import MINI, _all_images, _log_in, shop_and_closet  # noqa: F401 - fixture
from wardrobe.models import BoardPhoto, EmbeddingState

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TOO_WIDE = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8).map(e => e.tagName + '.' + e.className)"""


def _look(tmp_path: Path) -> Path:
    """A "look" photo holding two products side by side (a top on the left, shoes on the right)."""
    items = {i.article_type: i for i in InventoryItem.objects.filter(article_type__in=["Tshirts", "Casual Shoes"])}
    left, right = (Image.open(MINI / "images" / f"{items[t].external_id}.jpg").convert("RGB") for t in ("Tshirts", "Casual Shoes"))
    canvas = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    path = tmp_path / "look.jpg"
    canvas.save(path, format="JPEG", quality=92)
    return path


def _shoot(page, screenshot_dir: Path, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.reload()
    _all_images(page)
    page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    _all_images(page)
    page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=True)
    too_wide = page.evaluate(TOO_WIDE)
    assert too_wide == [], f"{name} overflows the 375px screen: {too_wide}"
    page.set_viewport_size(DESKTOP)


def test_make_a_board_pin_upload_crop_search_and_see_it_on_for_you(page, shop_and_closet, screenshot_dir, tmp_path):
    _log_in(page)
    with page.expect_navigation():
        page.click("nav >> text=Mood boards")
    assert page.locator("h2:has-text('No mood boards yet')").count() == 1
    page.fill("#id_name", "Weekend looks")
    page.click("button:has-text('Create board')")
    page.wait_for_selector("h1:has-text('Weekend looks')")
    board_url = page.url

    page.set_input_files("#id_photos", str(_look(tmp_path)))
    with page.expect_navigation():
        page.click("button:has-text('Upload')")
    assert "Added 1 photo" in page.content()

    garment = shop_and_closet.first()
    page.select_option("#id_garment", str(garment.pk))
    with page.expect_navigation():
        page.click("form[aria-label='Pin a garment from your closet'] button")
    assert f"Pinned “{garment.name}”" in page.content()

    item = InventoryItem.objects.filter(is_active=True).exclude(article_type__in=["Tshirts", "Casual Shoes"]).first()
    page.goto(f"/similar/item/{item.pk}/")
    with page.expect_navigation():
        page.click("[data-pin-item]")
    assert "/similar/item/" in page.url and "Pinned to “Weekend looks”" in page.content()  # back where they were
    page.goto(board_url)
    assert page.locator(".board-photos .card").count() == 3
    assert BoardPhoto.objects.filter(embedding_state=EmbeddingState.READY).count() == 3  # eager jobs, no broker
    _shoot(page, screenshot_dir, "mood-board")

    upload = BoardPhoto.objects.get(source="upload")
    with page.expect_navigation():
        page.click(f"#photo-{upload.pk} >> text=Crop & search")
    page.wait_for_selector("[data-crop][data-crop-ready]")
    page.wait_for_function("document.querySelector('[data-crop-image]').naturalWidth > 0")
    image = page.locator("[data-crop-image]")
    box = image.bounding_box()
    # Drag a frame around the right half (the shoes).
    page.mouse.move(box["x"] + box["width"] * 0.52, box["y"] + box["height"] * 0.05)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.move(box["x"] + box["width"] * 0.98, box["y"] + box["height"] * 0.95, steps=5)
    page.mouse.up()
    assert float(page.input_value("[data-crop-x]")) == pytest.approx(0.52, abs=0.03)
    # The keyboard moves the frame too (focus it, arrow left once: 2% of the width).
    page.focus("[data-crop-frame]")
    page.keyboard.press("ArrowLeft")
    assert float(page.input_value("[data-crop-x]")) == pytest.approx(0.50, abs=0.03)
    with page.expect_navigation():
        page.click("button:has-text('Search this part')")
    assert "x=" in page.url
    page.wait_for_selector("[data-results=shop] .rec-card")
    assert page.locator("[data-results=style] h2").inner_text() == "Style it with what you own"
    assert "shoes" in page.locator("[data-results=style]").inner_text().lower()
    _shoot(page, screenshot_dir, "crop-search")

    with page.expect_navigation():
        page.click("nav >> text=For you")
    page.wait_for_selector("[data-board-group]")
    board_cards = page.locator("[data-board-group] .rec-card")
    assert board_cards.count() >= 3
    assert "Inspired by" in board_cards.first.inner_text()
    page.locator("#id_share").evaluate("e => { e.value = 100; }")  # the slider to "more like my inspiration"
    with page.expect_navigation():
        page.click("form[data-blend] button")
    page.wait_for_selector("[data-board-group]")
    assert page.locator(".rec-card").count() == page.locator("[data-board-group] .rec-card").count()
    page.goto("/for-you/?seed=4")
    _shoot(page, screenshot_dir, "for-you-mood-board")


def test_find_similar_searches_the_framed_part_of_an_upload(page, shop_and_closet, tmp_path):
    _log_in(page)
    page.goto("/similar/")
    panel = page.locator("[data-crop-panel]")
    assert panel.is_hidden()  # no photo chosen yet: no tool
    page.set_input_files("#id_photo", str(_look(tmp_path)))
    image = page.locator("[data-crop-image]")
    image.wait_for(state="visible")
    page.wait_for_selector("[data-crop][data-crop-ready]", state="attached")
    page.wait_for_function("document.querySelector('[data-crop-image]').naturalWidth > 0")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.02, box["y"] + box["height"] * 0.02)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.48, box["y"] + box["height"] * 0.98, steps=8)
    page.mouse.up()
    assert float(page.input_value("[data-crop-w]")) == pytest.approx(0.46, abs=0.03)
    shade_inside_tool = page.evaluate("""() => {
        const tool = document.querySelector('[data-crop]').getBoundingClientRect();
        const help = document.querySelector('#crop-help').getBoundingClientRect();
        return help.bottom <= tool.top && getComputedStyle(document.querySelector('[data-crop]')).overflow === 'hidden';
    }""")
    assert shade_inside_tool  # the frame's shade dims the photo, not the help text or the page
    with page.expect_navigation():
        page.click("button:has-text('Find similar')")
    page.wait_for_selector(".rec-card")
    titles = page.locator(".rec-card").all_inner_texts()[:4]
    assert not any("shoe" in t.lower() for t in titles), titles  # the left half is the T-shirt
