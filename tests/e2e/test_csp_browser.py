"""The pages run under their Content-Security-Policy in a real browser: every blocked inline script, style or handler is
reported (a securitypolicyviolation event, and Chromium's console), and no page may have one."""
import pytest
from django.urls import reverse

from recommender import services as rec_services
from recommender.models import ImportJob
from tests.factories import PASSWORD, InventoryItemFactory, UserFactory
from tests.recommender.test_admin_curation import styles_csv, styles_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Every violation fires a securitypolicyviolation event (Chromium's own console wording changes between versions:
# "Refused to ..." or "Executing inline script violates ..."); the listener is injected by the browser, outside the CSP.
REPORT_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")));"""


def _watch_csp(page) -> list[str]:
    refused: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(msg) -> None:
        if any(word in msg.text for word in ("CSP violation", "Refused to", "Content Security Policy")):
            refused.append(f"{page.url}: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: refused.append(f"{page.url}: {exc}"))
    return refused


def _log_in(page, username: str) -> None:
    page.goto(reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/closet/")


def test_the_public_and_member_pages_trigger_no_csp_violation(page):
    UserFactory(username="alice")
    refused = _watch_csp(page)
    for url in (reverse("wardrobe:home"), reverse("signup"), reverse("password_reset")):
        page.goto(url)
    _log_in(page, "alice")
    for name in ("wardrobe:closet", "wardrobe:garment-upload", "recommender:for-you", "recommender:liked", "recommender:similar", "profile"):
        page.goto(reverse(name))
        page.wait_for_load_state("load")
    assert refused == []


def test_the_admin_and_api_docs_trigger_no_csp_violation(page):
    UserFactory(username="curator", is_staff=True, is_superuser=True)
    InventoryItemFactory()
    job = rec_services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    refused = _watch_csp(page)
    page.goto(reverse("admin:login"))
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for url in (
        reverse("admin:recommender_inventoryitem_changelist"),
        reverse("admin:recommender_index_state"),
        reverse("admin:recommender_importjob_add"),
        reverse("admin:recommender_importjob_change", args=[job.pk]),
        "/api/docs/",
    ):
        page.goto(url)
        page.wait_for_load_state("load")
    page.wait_for_selector(".swagger-ui .info")
    assert refused == []


def test_the_import_page_script_polls_under_the_policy(page):
    UserFactory(username="curator", is_staff=True, is_superuser=True)
    job = rec_services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)  # as if no worker took it yet
    page.goto(reverse("admin:login"))
    page.fill("#id_username", "curator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    with page.expect_request(lambda r: reverse("admin:recommender_importjob_progress", args=[job.pk]) in r.url):
        page.goto(reverse("admin:recommender_importjob_change", args=[job.pk]))
