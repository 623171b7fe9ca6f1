"""Uploading one photo lands on its edit form with category and colour pre-selected from similar shop items, marked
as a suggestion (real encoder over the real mini inventory)."""
import shutil

import pytest

from tests.e2e.test_recommendations_browser import MINI, _log_in, shop_and_closet  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_single_upload_gets_its_category_suggested_on_the_edit_form(page, shop_and_closet, tmp_path):  # noqa: F811
    photo = tmp_path / "my-sneakers.jpg"
    shutil.copy(MINI / "images" / "6626.jpg", photo)  # a mini-set Sports Shoes photo

    _log_in(page)
    page.goto("/closet/upload/")
    page.set_input_files("input[type=file]", str(photo))
    page.click("form[data-upload-form] button[type=submit]")
    page.wait_for_url("**/edit/")

    hint = page.locator("[data-suggestion-hint=category]")
    hint.wait_for()
    assert "Suggested from similar products" in hint.inner_text()
    assert page.locator("select[name=category]").input_value() == "shoes"
