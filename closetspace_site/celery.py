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
    """Start loading the encoder when a worker process starts (EMBEDDING_PRELOAD), so the first job is nearly as
    fast as the rest. In a background thread: this handler must return before the pool child reports itself up, and
    Celery kills a child that stays silent for 4 s (worker_proc_alive_timeout), while the load takes 5-20 s. The
    first job waits for the load (wardrobe.embedding.get_encoder)."""
    from django.conf import settings

    if getattr(settings, "EMBEDDING_PRELOAD", False):
        from wardrobe.embedding import warm_encoder_in_background

        warm_encoder_in_background()
