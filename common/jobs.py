"""Background jobs: queueing them by task name (the one place that knows what a broker outage means), and the
seconds per phase a job logs.

Producers (services, admin actions, commands) name the task instead of importing it, so a service never imports the
tasks module that imports it back (zulip's ``queue_event_on_commit``). The name is looked up among the tasks this
process registered (each app imports its tasks in ``AppConfig.ready()``): a registered task is queued with
``apply_async``, which runs it in the request when CELERY_TASK_ALWAYS_EAGER is on (``make run``, no broker).
``send_task`` is kept for names this process does not know, but it ignores eager mode, so asking for one in eager
mode is a programming error and raises at once instead of leaving rows pending forever.

A broker that is down must never fail the request that queued the job: the warning is logged and the row stays
pending, where the beat sweepers (``requeue_stale_*``) find it again.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import ChannelError
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is unreachable (kombu wraps most; a refused socket can surface raw).
BROKER_ERRORS = (BrokerError, ConnectionError, OSError)
PUBLISH_CONNECT_RETRIES = 2  # a broker that is down costs a request about half a second, then the sweeper takes over


class UnknownTask(LookupError):
    """A task name no app registered, asked for in eager mode, where ``send_task`` would never run it."""


def enqueue(task_name: str, *args: Any) -> bool:
    """Queue ``task_name(*args)`` now. Returns False (and logs a warning) when the broker is down."""
    app = current_app
    task = app.tasks.get(task_name)
    if task is None and app.conf.task_always_eager:
        raise UnknownTask(f"{task_name} is not registered: import it in its app's AppConfig.ready()")
    try:
        if app.conf.task_always_eager:
            task.apply_async(args)
            return True
        # Connect with a bounded retry first: kombu's own publish path retries a refused connection for minutes,
        # which would hold an upload request (and its web worker) while the broker is down.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=PUBLISH_CONNECT_RETRIES, interval_start=0, interval_step=0.2)
            if task is not None:
                task.apply_async(args, connection=conn)
            else:
                app.send_task(task_name, args, connection=conn)
    except BROKER_ERRORS as exc:
        short = task_name.rpartition(".")[2]
        logger.warning("could not queue %s%r (%s), left pending for the sweeper: %s", short, args, task_name, exc)
        return False
    return True


def waiting_count(queue: str) -> int | None:
    """How many messages wait in ``queue`` on the broker (taken and running ones not counted); None when there is
    no broker (eager mode) or it cannot tell (down, or the queue was never declared). One cheap call (LLEN on Redis),
    for the sweepers: an empty queue means a pending row is queued nowhere."""
    app = current_app
    if app.conf.task_always_eager:
        return None
    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)  # a broker that is down answers "cannot tell" at once
            return int(conn.default_channel.queue_declare(queue=queue, passive=True).message_count)
    except ChannelError:
        return 0  # no such queue: on Redis an empty queue is no key at all, so nothing waits there
    except Exception:  # noqa: BLE001 - any other failure means "cannot tell", and the sweeper then waits longer
        return None


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Queue ``task_name(*args)`` once the current transaction commits (at once outside one), so the job never
    reads a row that is not there yet and a rolled-back write queues nothing."""
    transaction.on_commit(lambda: enqueue(task_name, *args))


class PhaseTimer:
    """Seconds spent per phase of one job, for its single log line (zulip's thumbnail worker does the same)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now

    def __str__(self) -> str:
        return " ".join(f"{phase}={seconds:.3f}s" for phase, seconds in self.seconds.items())
