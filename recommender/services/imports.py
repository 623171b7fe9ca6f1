"""Admin-started imports: the uploaded CSV and zip are stored on an ImportJob, a worker runs it and writes progress.

A job always ends, done or failed with its reason on its page, and its uploaded files are deleted when it ends: they
are kept only while it is queued or running.
"""
from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from common.jobs import enqueue_on_commit
from recommender.models import ImportJob
from recommender.services.embedding import queue_pending_items
from recommender.services.import_files import ImportFormatError, unpack_images_zip
from recommender.services.inventory import CHUNK, import_inventory

logger = logging.getLogger(__name__)


def import_job_create(*, csv_file: IO[bytes], images_zip: IO[bytes] | None, embed: bool = True, user=None) -> ImportJob:
    """Store the uploads on a new job and queue it after commit."""
    job = ImportJob(embed=embed, created_by=user)
    job.csv_file.save(Path(getattr(csv_file, "name", "items.csv")).name, csv_file, save=False)
    if images_zip is not None:
        job.images_zip.save(Path(getattr(images_zip, "name", "images.zip")).name, images_zip, save=False)
    with transaction.atomic():
        job.save()
        enqueue_on_commit("recommender.tasks.run_import_job", job.pk)
    return job


def import_job_run(
    *, job_id: int, chunk_size: int = CHUNK, after_progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Run a queued job: unpack the photos, import with progress written to the row, then the report.

    ``after_progress(done, total)`` runs after each progress write (a seam: tests pause the import there).
    """
    job = ImportJob.objects.get(pk=job_id)
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return job
    job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])

    def progress(done: int, total: int) -> None:
        # A worker runs outside a transaction, so each write commits at once and the admin's poll sees it mid-import.
        ImportJob.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)
        if after_progress:
            after_progress(done, total)

    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        tmp_path = Path(tmp)
        try:
            csv_path = tmp_path / "items.csv"
            with default_storage.open(job.csv_file.name, "rb") as src:
                csv_path.write_bytes(src.read())
            images_dir = tmp_path / "images"
            if job.images_zip:
                with default_storage.open(job.images_zip.name, "rb") as src:
                    (tmp_path / "images.zip").write_bytes(src.read())
                images_dir = unpack_images_zip(zip_path=tmp_path / "images.zip", into=tmp_path / "unzipped")
            report = import_inventory(
                csv_path=csv_path, images_dir=images_dir, on_progress=progress, chunk_size=chunk_size
            )
        except Exception as exc:  # noqa: BLE001 - whatever stops an import, its job must end, with the reason shown
            return _fail(job, exc)
    job.refresh_from_db()
    job.status = ImportJob.Status.DONE
    job.total_rows, job.processed_rows = report.total, report.total
    job.created_count, job.updated_count, job.unchanged_count = report.created, report.updated, report.unchanged
    job.bad_rows = [b.as_dict() for b in report.bad]
    job.finished_at = timezone.now()
    job.save()
    _delete_uploads(job)
    if job.embed:
        queue_pending_items()
    return job


def _fail(job: ImportJob, exc: Exception) -> ImportJob:
    job.refresh_from_db()
    if isinstance(exc, ImportFormatError):
        reason = str(exc)
    else:
        logger.exception("import job %s stopped", job.pk)
        reason = f"The import stopped on an unexpected error ({type(exc).__name__}: {exc})."
    if job.processed_rows and not isinstance(exc, ImportFormatError):
        # Chunks commit one by one: say what is already in the inventory, so nobody takes it for all or nothing.
        reason += f" The first {job.processed_rows} of {job.total_rows} rows were written before it stopped."
    job.status, job.error, job.finished_at = ImportJob.Status.FAILED, reason[:5000], timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    _delete_uploads(job)
    return job


def _delete_uploads(job: ImportJob) -> None:
    """Remove the job's uploaded CSV and zip from storage once it has ended; the report stays on the row."""
    names = [f.name for f in (job.csv_file, job.images_zip) if f and f.name]
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not delete import upload %s", name)
    ImportJob.objects.filter(pk=job.pk).update(csv_file="", images_zip="")
    job.csv_file.name, job.images_zip.name = "", ""
