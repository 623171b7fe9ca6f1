"""The inventory admin: import through an uploaded CSV and zip with a progress endpoint and a report, the curation
actions, and the index state page with its recommendation preview."""
import csv
import io
import re
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommender import selectors, services
from recommender.models import EmbeddingState, ImportJob, IndexVersion, InventoryItem
from tests.factories import PASSWORD, GarmentFactory, InventoryItemFactory, UserFactory, image_bytes
from wardrobe.models import Garment

pytestmark = pytest.mark.django_db

STYLES_HEADER = ["id", "gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "year", "usage", "productDisplayName"]


def styles_row(item_id, name="Peter England Men Party Blue Jeans"):
    return [item_id, "Men", "Apparel", "Bottomwear", "Jeans", "Blue", "Summer", "2012", "Casual", name]


def styles_csv(rows) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STYLES_HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("items.csv", out.getvalue().encode(), content_type="text/csv")


def images_zip(photos: dict[str, bytes]) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in photos.items():
            zf.writestr(f"images/{name}", data)
    return SimpleUploadedFile("images.zip", out.getvalue(), content_type="application/zip")


@pytest.fixture
def member_client(client):
    UserFactory(username="member")
    client.login(username="member", password=PASSWORD)
    return client


@pytest.fixture
def imported(staff_client, django_capture_on_commit_callbacks):
    """A staff upload of four rows: two good, one without a photo, one with an unreadable photo."""
    upload = {
        "csv_file": styles_csv([styles_row("1"), styles_row("2"), styles_row("3"), styles_row("4", name="Puma Red Shoes")]),
        "images_zip": images_zip({"1.jpg": image_bytes(), "3.jpg": b"not a jpeg", "4.jpg": image_bytes()}),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:recommender_importjob_add"), upload)
    return response, ImportJob.objects.get()


def test_a_staff_upload_runs_the_import_and_keeps_every_good_row(imported):
    _, job = imported
    assert job.status == ImportJob.Status.DONE
    assert sorted(InventoryItem.objects.values_list("external_id", flat=True)) == ["1", "4"]


def test_after_the_upload_the_curator_lands_on_the_jobs_page(imported):
    response, job = imported
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:recommender_importjob_change", args=[job.pk])


def test_the_progress_endpoint_reports_every_row_processed_and_the_counts(staff_client, imported):
    _, job = imported
    data = staff_client.get(reverse("admin:recommender_importjob_progress", args=[job.pk])).json()
    assert (data["status"], data["percent"], data["processed"], data["total"]) == ("done", 100, 4, 4)
    assert (data["created"], data["bad_count"]) == (2, 2)


def test_the_progress_endpoint_names_each_bad_row_with_its_line_and_reason(staff_client, imported):
    _, job = imported
    data = staff_client.get(reverse("admin:recommender_importjob_progress", args=[job.pk])).json()
    assert [(b["row"], b["external_id"], b["reason"]) for b in data["bad_rows"]] == [
        (3, "2", "missing image"), (4, "3", "unreadable image (UnidentifiedImageError)")
    ]


def test_the_finished_jobs_page_shows_the_report_with_bad_rows(staff_client, imported):
    _, job = imported
    page = staff_client.get(reverse("admin:recommender_importjob_change", args=[job.pk])).content.decode()
    assert "2 created" in page and "2 bad" in page
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert rows == [("3", "2", "missing image"), ("4", "3", "unreadable image (UnidentifiedImageError)")]


def test_a_queued_jobs_page_shows_a_progress_bar_that_polls(staff_client):
    job = services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    page = staff_client.get(reverse("admin:recommender_importjob_change", args=[job.pk])).content.decode()
    assert "<progress" in page and "Waiting for a worker" in page
    assert reverse("admin:recommender_importjob_progress", args=[job.pk]) in page


def test_the_progress_endpoint_of_a_job_no_worker_took_yet_says_queued(staff_client):
    job = services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    data = staff_client.get(reverse("admin:recommender_importjob_progress", args=[job.pk])).json()
    assert (data["status"], data["percent"], data["processed"]) == ("queued", 0, 0)


def test_a_csv_the_importer_cannot_read_fails_the_job_with_its_reason(staff_client, django_capture_on_commit_callbacks):
    bad_csv = SimpleUploadedFile("items.csv", b"colour,size\nred,M\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:recommender_importjob_add"), {"csv_file": bad_csv})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.error
    page = staff_client.get(reverse("admin:recommender_importjob_change", args=[job.pk])).content.decode()
    assert "The import failed" in page


def test_a_member_who_is_not_staff_cannot_open_the_import_page(member_client):
    response = member_client.get(reverse("admin:recommender_importjob_add"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_member_who_is_not_staff_cannot_upload_an_import(member_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(reverse("admin:recommender_importjob_add"), {"csv_file": styles_csv([styles_row("1")])})
    assert not ImportJob.objects.exists() and not InventoryItem.objects.exists()


def test_a_member_who_is_not_staff_cannot_read_an_imports_progress(member_client):
    job = services.import_job_create(csv_file=styles_csv([styles_row("1")]), images_zip=None, embed=False)
    response = member_client.get(reverse("admin:recommender_importjob_progress", args=[job.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def run_action(client, action: str, items):
    return client.post(
        reverse("admin:recommender_inventoryitem_changelist"),
        {"action": action, "_selected_action": [i.pk for i in items]},
        follow=True,
    )


def test_retiring_items_in_the_admin_keeps_them_out_of_the_index_at_once(staff_client, unit_vectors):
    items = [InventoryItemFactory(vector=v) for v in unit_vectors(4)]
    services.rebuild_index()
    run_action(staff_client, "retire", items[:2])
    assert set(InventoryItem.objects.filter(is_active=False).values_list("pk", flat=True)) == {items[0].pk, items[1].pk}
    found = {pk for pk, _ in selectors.current_index().query(unit_vectors(4)[0], 4)}
    assert found == {items[2].pk, items[3].pk}


def test_activating_retired_items_in_the_admin_brings_them_back(staff_client):
    items = InventoryItemFactory.create_batch(2, is_active=False)
    response = run_action(staff_client, "activate", items)
    assert InventoryItem.objects.filter(is_active=True).count() == 2
    assert "2 item(s) activated" in response.content.decode()


@pytest.mark.slow
def test_re_embedding_items_in_the_admin_gives_them_a_vector_of_the_current_model(
    settings, staff_client, django_capture_on_commit_callbacks
):
    from wardrobe import embedding

    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"
    item = InventoryItemFactory(vector=np.ones(8), model_version="an-old-model")
    with django_capture_on_commit_callbacks(execute=True):
        run_action(staff_client, "reembed", [item])
    item.refresh_from_db()
    assert item.embedding_state == EmbeddingState.READY
    assert item.embedding_version == embedding.get_encoder().version != "an-old-model"


def test_rebuild_now_in_the_admin_makes_a_new_current_index(staff_client, unit_vectors):
    items = [InventoryItemFactory(vector=v) for v in unit_vectors(5)]
    response = run_action(staff_client, "rebuild_now", items[:1])
    current = IndexVersion.objects.get(is_current=True)
    assert current.item_count == 5
    assert f"Index {current.version} is current" in response.content.decode()


def test_the_rebuild_button_on_the_index_page_makes_a_new_current_index(staff_client, unit_vectors):
    [InventoryItemFactory(vector=v) for v in unit_vectors(3)]
    old = services.rebuild_index()
    staff_client.post(reverse("admin:recommender_index_rebuild"))
    assert IndexVersion.objects.get(is_current=True).pk != old.pk


def test_the_index_page_shows_version_count_build_time_and_what_is_not_indexed_yet(staff_client, unit_vectors):
    vectors = unit_vectors(5)
    [InventoryItemFactory(vector=v) for v in vectors[:4]]
    current = services.rebuild_index()
    InventoryItemFactory(vector=vectors[4])
    response = staff_client.get(reverse("admin:recommender_index_state"))
    state = response.context["state"]
    assert (state.version, state.item_count, state.built_at, state.build_seconds, state.not_indexed) == (
        current.version, 4, current.built_at, current.build_seconds, 1
    )
    page = response.content.decode()
    assert current.version in page
    assert re.search(r"Items indexed</th><td>4<", page) and re.search(r"Ready, not yet indexed</th><td>1", page)
    assert re.search(r"Build duration</th><td>[\d.]+ s<", page)


def test_the_index_page_says_when_no_index_was_built_yet(staff_client):
    page = staff_client.get(reverse("admin:recommender_index_state")).content.decode()
    assert "none built yet" in page


def test_the_preview_shows_the_chosen_users_for_you_list(staff_client, unit_vectors):
    vectors = unit_vectors(6)
    items = [InventoryItemFactory(vector=v, name=f"Item {n}") for n, v in enumerate(vectors)]
    services.rebuild_index()
    shopper = UserFactory(username="shopper")
    garment = GarmentFactory(owner=shopper)
    Garment.objects.filter(pk=garment.pk).update(
        embedding_state=EmbeddingState.READY, embedding=vectors[3].astype("<f4").tobytes(), embedding_version="test-model-v1"
    )
    response = staff_client.get(reverse("admin:recommender_index_state"), {"user": shopper.pk})
    preview = response.context["preview"]
    # What For you shows: every item but the shop's copy of the garment the shopper owns (an owned near-duplicate).
    assert preview.state == "ready"
    assert {card.item.pk for card in preview.cards} == {item.pk for item in items} - {items[3].pk}
    assert "Item 0" in response.content.decode() and "Item 3" not in response.content.decode()


def test_the_preview_explains_when_the_chosen_user_has_no_analysed_garments(staff_client, unit_vectors):
    [InventoryItemFactory(vector=v) for v in unit_vectors(3)]
    services.rebuild_index()
    newcomer = UserFactory(username="newcomer")
    page = staff_client.get(reverse("admin:recommender_index_state"), {"user": newcomer.pk}).content.decode()
    assert "No analysed garments yet" in page


def test_the_preview_says_so_when_there_is_no_index(staff_client):
    shopper = UserFactory(username="shopper")
    page = staff_client.get(reverse("admin:recommender_index_state"), {"user": shopper.pk}).content.decode()
    assert "No preview" in page


def test_a_member_who_is_not_staff_cannot_see_the_index_page(member_client):
    response = member_client.get(reverse("admin:recommender_index_state"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_inventory_list_shows_thumbnails_and_filters_by_state(staff_client):
    ready = InventoryItemFactory(vector=np.ones(8), name="Ready shirt")
    InventoryItemFactory(name="Waiting shirt")
    page = staff_client.get(reverse("admin:recommender_inventoryitem_changelist"), {"embedding_state__exact": "ready"}).content.decode()
    assert "Ready shirt" in page and "Waiting shirt" not in page
    assert reverse("recommender:item-image", args=[ready.pk, "thumb"]) in page
