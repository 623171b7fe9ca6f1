"""A person with a closet opens For you, likes and hides, asks for more, finds similar from a photo and styles a
garment, in a real browser over the real mini inventory (real encoder). Saves the screenshots in var/screenshots/
(docs/screenshots/ with `make screenshots`)."""
from pathlib import Path

import pytest

from recommender.models import InventoryItem
from recommender.services import embed_items, rebuild_index
from recommender.services.inventory import import_inventory
from tests.e2e.conftest import DESKTOP, PHONE
from wardrobe.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_closet_load
from wardrobe.embedding import embed_garment
from wardrobe.models import EmbeddingState, Garment

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MINI = Path(__file__).resolve().parents[2] / "../shared/datasets/fashion-products-mini"
IMAGES_LOADED = "() => [...document.querySelectorAll('.rec-card img, .because img')].every(i => i.complete && i.naturalWidth > 0)"
EAGER = "() => document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })"


def _all_images(page) -> None:
    """Full-page screenshots need the lazy images below the fold too."""
    page.evaluate(EAGER)
    page.wait_for_function(IMAGES_LOADED)


@pytest.fixture
def shop_and_closet():
    if not (MINI / "items.csv").is_file():
        pytest.skip(f"mini dataset not found at {MINI}")
    import_inventory(csv_path=MINI / "items.csv", images_dir=MINI / "images")
    embed_items(item_ids=list(InventoryItem.objects.values_list("pk", flat=True)))
    rebuild_index(force=True)
    demo_closet_load(data_dir=MINI, count=10)
    for garment in Garment.objects.exclude(embedding_state=EmbeddingState.READY):
        embed_garment(garment_id=garment.pk)
    return Garment.objects.filter(owner__username=DEMO_USERNAME)


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/closet/")


def _item_ids(page) -> list[str]:
    return page.locator(".rec-card").evaluate_all("cards => cards.map(c => c.dataset.item)")


def _shoot(page, path: Path, url: str) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    _all_images(page)
    page.screenshot(path=str(path.with_name(path.name + "-desktop.png")), full_page=True)
    page.set_viewport_size(PHONE)
    page.reload()
    _all_images(page)
    page.screenshot(path=str(path.with_name(path.name + "-phone.png")), full_page=True)
    too_wide = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className)"
    )
    assert too_wide == [], f"these overflow the 375px screen: {too_wide}"


def test_for_you_like_hide_refresh_find_similar_and_style_this(page, shop_and_closet, screenshot_dir, tmp_path):
    _log_in(page)
    page.click("nav >> text=For you")
    page.wait_for_url("**/for-you/")
    cards = page.locator(".rec-card")
    assert cards.count() >= 12
    assert page.locator(".rec-card .because").count() == cards.count()
    assert "Because you own" in cards.first.inner_text()

    first, second = _item_ids(page)[:2]
    page.locator(f'.rec-card[data-item="{first}"] button[value=like]').click()
    page.wait_for_selector(f'.rec-card[data-item="{first}"].is-liked')
    page.locator(f'.rec-card[data-item="{second}"] button[value=hide]').click()
    page.wait_for_selector(f'.rec-card[data-item="{second}"]', state="detached")
    assert page.url.endswith("/for-you/")  # no reload happened

    before = _item_ids(page)
    with page.expect_navigation():
        page.locator("a[data-more]").click()
    assert "seed=" in page.url
    after = _item_ids(page)
    assert after != before and second not in after

    page.goto("/for-you/liked/")
    assert page.locator(f'.rec-card[data-item="{first}"]').count() == 1

    page.click("nav >> text=Find similar")
    photo = next((MINI / "images").glob("*.jpg"))
    page.set_input_files("#id_photo", str(photo))
    with page.expect_navigation():
        page.click("form button:has-text('Find similar')")
    page.wait_for_selector("h2:has-text('In the shop')")
    assert page.locator(".rec-group").first.locator(".rec-card").count() >= 5
    _all_images(page)
    page.screenshot(path=str(screenshot_dir / "find-similar-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(screenshot_dir / "find-similar-phone.png"), full_page=True)

    _shoot(page, screenshot_dir / "for-you", "/for-you/?seed=11")
    top = shop_and_closet.filter(category="tops").first() or shop_and_closet.first()
    _shoot(page, screenshot_dir / "style-this", f"/closet/{top.pk}/style/")
    page.set_viewport_size(DESKTOP)
    page.goto(f"/closet/{top.pk}/")
    page.click("a:has-text('Style this')")
    assert page.locator(".rec-card").count() >= 3
