"""A real Celery worker process against the test Postgres database and a Redis db (TEST_REDIS_URL)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, *, timeout: float, every: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("integration tests need TEST_REDIS_URL (a Redis db of their own)")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def broker(settings, redis_url, tmp_path):
    """Point this process's Celery app at Redis (not eager) for the test."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("integration tests run against Postgres (DATABASE_URL=postgres://...)")
    from closetspace_site.celery import app

    def reset_pools() -> None:
        # Drop (not close) the cached pools: a producer pool still holding the old one would reuse it.
        app._pool = None
        app.amqp._producer_pool = None

    # The app reads Django settings with the CELERY_ namespace, so overrides take the prefixed names.
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_TRANSPORT_OPTIONS")
    saved = {k: app.conf.get(k) for k in keys}
    settings.RECOMMENDER_REBUILD_INLINE = False
    settings.ML_IMAGE_INPUT_SIZE = 64
    settings.ML_DEVICE = "cpu"

    def point_at(url: str) -> None:
        app.conf.update(
            CELERY_BROKER_URL=url, CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 5}
        )
        reset_pools()

    point_at(redis_url)
    yield point_at
    app.conf.update(saved)
    reset_pools()


@pytest.fixture
def start_worker(settings, redis_url, transactional_db, tmp_path):
    """Start `celery worker` processes sharing this test's database, media folder and index folder."""
    started: list[subprocess.Popen] = []
    db = settings.DATABASES["default"]

    def start(**extra_env: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": redis_url,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "ML_INDEX_DIR": str(settings.ML_INDEX_DIR),
            "ML_IMAGE_INPUT_SIZE": "64",
            "ML_DEVICE": "cpu",
            "HF_HUB_OFFLINE": "1",
            "EMBEDDING_STALE_AFTER_SECONDS": "0",
            **extra_env,
        }
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "closetspace_site", "worker", "--pool", "prefork", "-c", "1",
             "-Q", "default,embedding", "--loglevel", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    for log in sorted(tmp_path.glob("worker-*.log")):
        sys.stderr.write(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}\n")
