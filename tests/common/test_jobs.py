"""Jobs queued by task name (common.jobs): eager mode still runs them, a broker outage never fails the caller."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from celery import current_app

from common.jobs import UnknownTask, enqueue, enqueue_on_commit
from tests.factories import UserFactory, upload
from wardrobe import services
from wardrobe.models import EmbeddingState, Garment

ROOT = Path(__file__).resolve().parents[2]


def test_every_app_registers_its_tasks_when_django_starts():
    """A fresh process that imports no tasks module itself: the names producers queue by are registered."""
    code = (
        "import django; django.setup(); from celery import current_app; "
        "print(sorted(n for n in current_app.tasks if n.startswith(('wardrobe.', 'recommender.'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"DJANGO_SETTINGS_MODULE": "closetspace_site.settings", "PATH": "/usr/bin:/bin"}).stdout
    for name in ("wardrobe.tasks.embed_garment", "recommender.tasks.embed_items", "recommender.tasks.run_import_job"):
        assert name in out


@pytest.mark.django_db
@pytest.mark.slow
def test_an_upload_in_eager_mode_ends_ready_through_the_by_name_path(settings, django_capture_on_commit_callbacks):
    settings.ML_IMAGE_INPUT_SIZE, settings.ML_DEVICE = 64, "cpu"
    assert current_app.conf.task_always_eager
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        garment = services.garment_create(owner=UserFactory(username="alice"), image=upload())
    assert len(callbacks) == 1  # the job was queued on commit, by name
    garment.refresh_from_db()
    assert garment.embedding_state == EmbeddingState.READY


def test_an_unregistered_name_in_eager_mode_is_an_error_not_a_job_that_never_runs():
    with pytest.raises(UnknownTask):
        enqueue("wardrobe.tasks.no_such_task", 1)


@pytest.mark.django_db
def test_a_broker_that_is_down_leaves_the_upload_pending_with_a_warning(broker_down, caplog, django_capture_on_commit_callbacks):
    with caplog.at_level(logging.WARNING, logger="common.jobs"), django_capture_on_commit_callbacks(execute=True):
        garment = services.garment_create(owner=UserFactory(username="alice"), image=upload())
    assert Garment.objects.get(pk=garment.pk).embedding_state == EmbeddingState.PENDING
    assert "wardrobe.tasks.embed_garment" in caplog.text and "left pending" in caplog.text


def test_enqueue_says_whether_the_job_was_queued(broker_down):
    assert enqueue("wardrobe.tasks.embed_garment", 1) is False


@pytest.mark.django_db
def test_a_job_queued_on_commit_is_not_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                enqueue_on_commit("wardrobe.tasks.embed_garment", 1)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
