"""The closet's embedding badges follow the database without a reload, and a failed analysis can be retried."""
import pytest

from tests.factories import PASSWORD, GarmentFactory, UserFactory
from wardrobe.models import EmbeddingState, Garment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def small_encoder(settings):
    """Garments embed inside the request (no broker in tests): keep the real encoder small."""
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"


@pytest.fixture
def owner(db):
    return UserFactory(username="lena")


def garment_in_state(owner, state: str, *, name: str, error: str = "") -> Garment:
    garment = GarmentFactory(owner=owner, name=name)
    Garment.objects.filter(pk=garment.pk).update(embedding_state=state, embedding_error=error)
    return garment


def open_closet(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto("/closet/")
    page.evaluate("window.__sameDocument = true")


def badge(page, garment: Garment):
    return page.locator(f'[data-garment-id="{garment.pk}"]')


def still_same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def test_a_pending_badge_turns_ready_without_a_reload_when_the_analysis_finishes(page, owner):
    garment = garment_in_state(owner, EmbeddingState.PENDING, name="Grey hoodie")
    open_closet(page)
    assert badge(page, garment).inner_text().lower() == "pending"

    Garment.objects.filter(pk=garment.pk).update(embedding_state=EmbeddingState.READY)

    page.wait_for_selector(f'[data-garment-id="{garment.pk}"][data-embedding-state="ready"]', timeout=15_000)
    assert badge(page, garment).inner_text().lower() == "ready"
    assert still_same_document(page)


def test_a_processing_badge_turns_ready_without_a_reload(page, owner):
    garment = garment_in_state(owner, EmbeddingState.PROCESSING, name="Rain jacket")
    open_closet(page)
    assert badge(page, garment).inner_text().lower() == "processing"

    Garment.objects.filter(pk=garment.pk).update(embedding_state=EmbeddingState.READY)

    page.wait_for_selector(f'[data-garment-id="{garment.pk}"][data-embedding-state="ready"]', timeout=15_000)
    assert still_same_document(page)


def test_a_failed_garment_shows_its_error_and_a_retry_button(page, owner):
    garment = garment_in_state(owner, EmbeddingState.FAILED, name="Odd scarf", error="Could not analyse this photo: truncated file")
    open_closet(page)
    card = page.locator(".card", has=badge(page, garment))
    card.locator("[data-embedding-error]").wait_for()
    assert card.locator("[data-embedding-error]").inner_text() == "Could not analyse this photo: truncated file"
    assert card.locator("button[data-retry]").is_visible()


def test_retrying_a_failed_garment_moves_it_back_to_pending_or_ready_in_place(page, owner):
    garment = garment_in_state(owner, EmbeddingState.FAILED, name="Odd scarf", error="Could not analyse this photo: truncated file")
    open_closet(page)
    card = page.locator(".card", has=badge(page, garment))
    card.locator("button[data-retry]").click()

    page.wait_for_selector(
        f'[data-garment-id="{garment.pk}"]:is([data-embedding-state="pending"], [data-embedding-state="processing"], '
        f'[data-embedding-state="ready"])',
        timeout=60_000,
    )
    assert card.locator("button[data-retry]").count() == 0
    assert card.locator("[data-embedding-error]").count() == 0
    page.wait_for_selector(f'[data-garment-id="{garment.pk}"][data-embedding-state="ready"]', timeout=60_000)
    assert Garment.objects.get(pk=garment.pk).embedding_state == EmbeddingState.READY
    assert still_same_document(page)
