"""The admin import seen while it runs: a staff upload is run by a worker thread (its own database connection) that
pauses after its first chunk, and the curator reads the progress through the endpoint the bar polls and the page."""
import csv
import io
import re
import threading
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from recommender import services
from recommender.models import InventoryItem
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db(transaction=True)

STYLES_HEADER = ["id", "gender", "masterCategory", "subCategory", "articleType", "baseColour", "season", "year", "usage", "productDisplayName"]
REFRESH = '<meta http-equiv="refresh"'


def styles_row(item_id: str) -> list[str]:
    return [item_id, "Men", "Apparel", "Bottomwear", "Jeans", "Blue", "Summer", "2012", "Casual", "Peter England Men Party Blue Jeans"]


def upload() -> dict:
    """Five rows: 1, 3 and 5 are good, 2 has no photo, 4 an unreadable one (photos are checked as a chunk is written).
    With chunks of two rows the first chunk is rows 1-2, so progress reads 2 of 5 after it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STYLES_HEADER)
    writer.writerows(styles_row(str(n)) for n in range(1, 6))
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as zf:
        for name, data in {"1.jpg": image_bytes(), "3.jpg": image_bytes(), "4.jpg": b"not a jpeg", "5.jpg": image_bytes()}.items():
            zf.writestr(f"images/{name}", data)
    return {
        "csv_file": SimpleUploadedFile("items.csv", out.getvalue().encode(), content_type="text/csv"),
        "images_zip": SimpleUploadedFile("images.zip", photos.getvalue(), content_type="application/zip"),
    }


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The ids of the import jobs queued. Stands in for the broker only: a job waits for a worker instead of running
    eagerly inside the upload request."""
    from celery import current_app

    ids: list[int] = []
    task = current_app.tasks["recommender.tasks.run_import_job"]  # queued by name (common.jobs), so patch the registered one
    monkeypatch.setattr(task, "apply_async", lambda args, **_: ids.append(args[0]))
    return ids


@pytest.fixture
def paused_import(staff_client, queued):
    """Upload through the admin, then run the queued job in a worker thread held after its first chunk.

    Yields (job id, resume); resume() lets the worker finish and waits for it."""
    staff_client.post(reverse("admin:recommender_importjob_add"), upload())
    [job_id] = queued
    paused, go_on = threading.Event(), threading.Event()

    def pause_mid_import(done: int, total: int) -> None:
        if 0 < done < total:
            paused.set()
            go_on.wait(30)

    def worker() -> None:
        try:
            services.import_job_run(job_id=job_id, chunk_size=2, after_progress=pause_mid_import)
        finally:
            connection.close()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()

    def resume() -> None:
        go_on.set()
        thread.join(30)
        assert not thread.is_alive(), "the import did not finish after it was resumed"

    assert paused.wait(30), "the worker never finished its first chunk"
    yield job_id, resume
    go_on.set()
    thread.join(30)


def progress(client, job_id: int) -> dict:
    return client.get(reverse("admin:recommender_importjob_progress", args=[job_id])).json()


def job_page(client, job_id: int) -> str:
    return client.get(reverse("admin:recommender_importjob_change", args=[job_id])).content.decode()


def test_while_a_worker_imports_the_endpoint_the_bar_polls_shows_the_rows_done_so_far(staff_client, paused_import):
    job_id, _ = paused_import
    data = progress(staff_client, job_id)
    assert (data["status"], data["processed"], data["total"], data["percent"]) == ("running", 2, 5, 40)


def test_the_rows_of_a_written_chunk_are_committed_while_the_import_still_runs(paused_import):
    assert sorted(InventoryItem.objects.values_list("external_id", flat=True)) == ["1"]


def test_the_page_of_a_running_import_shows_the_rows_done_and_reloads_itself_without_javascript(staff_client, paused_import):
    job_id, _ = paused_import
    page = job_page(staff_client, job_id)
    assert "Running: 2 of 5 rows" in page and re.search(r'<progress max="100" value="40"', page)
    assert REFRESH in page


def test_after_the_paused_import_resumes_the_endpoint_reports_every_row_and_the_bad_ones(staff_client, paused_import):
    job_id, resume = paused_import
    resume()
    data = progress(staff_client, job_id)
    assert (data["status"], data["processed"], data["total"], data["created"]) == ("done", 5, 5, 3)
    assert [(b["row"], b["reason"]) for b in data["bad_rows"]] == [(3, "missing image"), (5, "unreadable image (UnidentifiedImageError)")]


def test_the_finished_page_shows_the_bad_rows_and_stops_reloading(staff_client, paused_import):
    job_id, resume = paused_import
    resume()
    page = job_page(staff_client, job_id)
    assert "3 created" in page and "2 bad" in page
    assert re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td>", page) == [("3", "2"), ("5", "4")]
    assert REFRESH not in page and "setTimeout(tick" not in page


def test_the_page_of_a_queued_import_reloads_itself_without_javascript(staff_client, queued):
    staff_client.post(reverse("admin:recommender_importjob_add"), upload())
    page = job_page(staff_client, queued[0])
    assert "Waiting for a worker" in page and REFRESH in page
