"""The Celery app. Tasks are discovered in each installed app's tasks.py; the beat schedule and the routing of the
embedding tasks to their own queue live in settings (CELERY_BEAT_SCHEDULE, CELERY_TASK_ROUTES).

Workers: `celery -A closetspace_site worker -Q default,embedding` on one host, or GPU hosts with `-Q embedding` and
CPU hosts with `-Q default`. Beat: `celery -A closetspace_site beat` on exactly one host.
"""
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")

app = Celery("closetspace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _preload_models(**_kwargs) -> None:
    """Load the encoder when a worker process starts (EMBEDDING_PRELOAD), so the first job is as fast as the rest."""
    from django.conf import settings

    if getattr(settings, "EMBEDDING_PRELOAD", False):
        from wardrobe.embedding import get_encoder

        get_encoder()
