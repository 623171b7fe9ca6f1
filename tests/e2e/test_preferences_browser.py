"""A person signs up on a phone and says what they shop for; the page fits 375 px and the profile shows the answers."""
import pytest

from tests.e2e.conftest import PHONE
from tests.e2e.test_phone_and_keyboard import TOO_WIDE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(page, username: str) -> None:
    """Sign up and land on the "What do you shop for?" step."""
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", "walk-in-wardrobe-2024")
    page.fill("#id_password2", "walk-in-wardrobe-2024")
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/preferences/?next=*")


def test_answering_the_sign_up_step_on_a_phone_goes_on_to_the_upload_page_and_shows_on_the_profile(page):
    page.set_viewport_size(PHONE)
    sign_up(page, "maya")
    assert page.locator("h1").inner_text() == "What do you shop for?"
    assert page.evaluate(TOO_WIDE) == []
    page.get_by_label("Women").check()
    page.select_option("#id_clothing_size", "M")
    page.select_option("#id_shoe_size", "39")
    page.fill("#id_budget_max", "80")
    page.get_by_label("Party").check()
    page.click("button:has-text('Save and continue')")
    page.wait_for_url("**/closet/upload/")
    page.goto("/accounts/profile/")
    summary = page.locator("#shopping-preferences").inner_text()
    assert "Women" in summary and "EU 39" in summary and "Up to €80.00" in summary and "Party" in summary


def test_a_budget_the_wrong_way_round_is_shown_on_its_field(page):
    page.set_viewport_size(PHONE)
    sign_up(page, "omar")
    page.fill("#id_budget_min", "90")
    page.fill("#id_budget_max", "10")
    page.click("button:has-text('Save and continue')")
    described = page.locator("#id_budget_max").get_attribute("aria-describedby").split()
    assert "id_budget_max-error" in described
    assert "below the least" in page.locator("#id_budget_max-error").inner_text()
    assert page.evaluate(TOO_WIDE) == []
