"""A person on a phone reaches every page through the menu; a person on a keyboard keeps their place on For you
(focus stays on the card after Like and Hide), can skip the navigation, and tabs through one link per card plus its
buttons. Hand-made vectors (no encoder) over a real index, in headless Chromium."""
import pytest

from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, UserFactory
from tests.recommender.recs_fixtures import closet_near, make_inventory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_CARD = "() => { const c = document.activeElement && document.activeElement.closest('[data-item]'); return c ? c.dataset.item : null; }"
# Every element the Tab key stops on, in page order: [href], buttons, fields, [tabindex >= 0]; not hidden.
TAB_STOPS = """() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
  .filter(e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden' && e.getClientRects().length)
  .map(e => ({card: e.closest('[data-item]') ? e.closest('[data-item]').dataset.item : null, href: e.getAttribute('href')}))"""


@pytest.fixture
def shopper(settings):
    settings.RECOMMENDER_REBUILD_INLINE = False
    alice = UserFactory(username="alice")
    closet_near(alice, make_inventory(90))
    return alice


def log_in(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/closet/")


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def test_the_phone_menu_opens_and_reaches_the_liked_page(phone, shopper):
    log_in(phone)
    phone.goto("/for-you/")
    toggle = phone.locator(".nav__toggle")
    liked = phone.locator("#main-nav").get_by_role("link", name="Liked")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not liked.is_visible()

    toggle.click()

    assert toggle.get_attribute("aria-expanded") == "true"
    liked.click()
    phone.wait_for_url("**/for-you/liked/")


def test_the_phone_menu_lists_every_page(phone, shopper):
    log_in(phone)
    phone.locator(".nav__toggle").click()
    menu = phone.locator("#main-nav")
    for name in ("Closet", "For you", "Liked", "Find similar", "alice", "Log out", "+ Add"):
        assert menu.get_by_role("link", name=name).or_(menu.get_by_role("button", name=name)).is_visible(), name


def test_escape_closes_the_phone_menu_and_returns_focus_to_its_button(phone, shopper):
    log_in(phone)
    phone.locator(".nav__toggle").click()
    phone.keyboard.press("Escape")
    assert phone.locator(".nav__toggle").get_attribute("aria-expanded") == "false"
    assert phone.evaluate("() => document.activeElement.classList.contains('nav__toggle')")


def test_for_yous_own_buttons_stay_visible_on_a_phone(phone, shopper):
    log_in(phone)
    phone.goto("/for-you/")
    for name in ("♥ Liked", "Find similar", "Show me more"):
        assert phone.locator(".page-head").get_by_role("link", name=name).is_visible(), name


def test_focus_stays_on_the_card_after_liking_it_by_keyboard(page, shopper):
    log_in(page)
    page.goto("/for-you/")
    card = page.locator(".rec-card").first
    item = card.get_attribute("data-item")
    like = card.locator("button.chip--like")
    like.focus()

    page.keyboard.press("Enter")

    page.wait_for_function("b => b.getAttribute('aria-pressed') === 'true'", arg=like.element_handle())
    assert page.evaluate(FOCUSED_CARD) == item


def test_focus_moves_to_the_next_card_after_hiding_one_by_keyboard(page, shopper):
    log_in(page)
    page.goto("/for-you/")
    first, second = page.locator(".rec-card").nth(0), page.locator(".rec-card").nth(1)
    hidden, following = first.get_attribute("data-item"), second.get_attribute("data-item")
    first.get_by_role("button", name="Hide").focus()

    page.keyboard.press("Enter")

    page.wait_for_function(f"() => !document.querySelector('[data-item=\"{hidden}\"]')")
    assert page.evaluate(FOCUSED_CARD) == following


def test_the_first_tab_reaches_a_skip_link_that_jumps_to_the_content(page, shopper):
    log_in(page)
    page.goto("/for-you/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')") and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_for_you_has_one_stop_per_link_and_button_of_each_card_and_no_repeated_link(page, shopper):
    log_in(page)
    page.goto("/for-you/")
    stops = page.evaluate(TAB_STOPS)
    cards = {s["card"] for s in stops if s["card"]}
    per_card = [[s for s in stops if s["card"] == c] for c in cards]
    for card_stops in per_card:
        hrefs = [s["href"] for s in card_stops if s["href"]]
        assert len(hrefs) == len(set(hrefs)), hrefs  # no link repeated within a card
        assert len(card_stops) <= 5  # Like, Hide, Not my style, Similar, View product
    assert len(stops) <= 5 * len(cards) + 25, len(stops)


def test_a_closet_card_reached_by_tab_shows_a_focus_ring(page, shopper):
    log_in(page)
    page.goto("/closet/")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('card__link')"):
            break
    else:
        raise AssertionError("Tab never reached a closet card")
    assert page.evaluate("() => getComputedStyle(document.activeElement.closest('.card')).outlineStyle") == "solid"


def test_the_upload_area_shows_a_focus_ring(page, shopper):
    log_in(page)
    page.goto("/closet/upload/")
    page.locator(".dropzone input[type=file]").focus()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.dropzone')).outlineStyle") == "solid"


TOO_WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName + '.' + e.className)"""


@pytest.mark.parametrize("path", ["/closet/", "/for-you/", "/for-you/liked/", "/similar/"])
def test_nothing_overflows_a_phone_screen_with_the_menu_closed_or_open(phone, shopper, path):
    log_in(phone)
    phone.goto(path)
    assert phone.evaluate(TOO_WIDE) == []
    phone.locator(".nav__toggle").click()
    assert phone.evaluate(TOO_WIDE) == []
