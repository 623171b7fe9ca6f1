"""Shared browser fixtures: Debian's headless Chromium driven by Playwright against pytest-django's live_server.

Never `playwright install`: the browser is the system one, launched by path (scripts/ensure_services.sh installs it).
"""
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
# Screenshots go to var/ so `make test` leaves the tracked tree alone; `make screenshots` points this at docs/.
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or REPO / "var" / "screenshots")
if not SCREENSHOT_DIR.is_absolute():
    SCREENSHOT_DIR = REPO / SCREENSHOT_DIR
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (scripts/ensure_services.sh installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop running in this thread, which makes Django refuse ORM calls (test
    # bodies, database setup and flush). Set only while the browser lives: `check --deploy` rightly flags it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) at desktop size, with relative URLs resolved against the live server."""
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(20_000)
    # Without a broker the embedding job runs inside the upload request (eager Celery), so navigations can be slow.
    context.set_default_navigation_timeout(120_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
