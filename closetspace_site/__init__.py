import os

# Web and worker processes share their cores with other work; OpenMP threads that spin while waiting slow every
# process on the box (bench/embed.py: one-at-a-time inference 0.95 -> 15.9 img/s on a loaded 2-core machine).
# Set before anything imports torch, which reads it once.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
