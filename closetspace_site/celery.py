"""The Celery app. Tasks are discovered in each installed app's tasks.py; the beat schedule lives in settings."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")

app = Celery("closetspace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
