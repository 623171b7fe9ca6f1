"""Uploading one photo lands on its edit form with the category the embedding job applied from similar shop items,
marked suggested, and an unsure colour offered, not pre-selected (real encoder over the real mini inventory)."""
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

    # Without a broker the job ran inside the upload request, so the page itself says what it applied.
    assert "suggested" in page.locator("label[for=id_category] .badge--suggested").inner_text().lower()
    assert page.locator("select[name=category]").input_value() == "shoes"
    assert page.locator("select[name=colour]").input_value() == ""
    offer = page.locator("[data-tag-offer=colour]")
    assert "Looks like:" in offer.inner_text()
    offer.locator("button").click()  # "Use it" fills the field in (saved with the form)
    assert page.locator("select[name=colour]").input_value() != ""
