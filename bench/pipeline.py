"""Pipeline benchmark: inventory import, embedding throughput with 1 and 2 worker processes, upload-to-ready latency
with a warm worker, and index rebuild time. Prints a table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cs_pipe_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python -m bench.pipeline --data ../shared/datasets/fashion-products [--limit N] [--input-size 96]

Point DATABASE_URL at a scratch database of its own (it migrates it and fills it); media and index go to a temporary
folder. Embedding runs in real `celery worker` processes (prefork, -c 1 each) on the embedding queue. With --limit
the embedding rows measure a sample and the last row extrapolates the whole inventory (import + embedding at the
best measured rate); the default input size is the evaluation's (96 px, docs/evaluation.md).
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=0, help="embed only the first N imported items (0: all)")
    parser.add_argument("--input-size", type=int, default=96, help="encoder input size (the evaluation chose 96 px)")
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    os.environ.update(
        DJANGO_MEDIA_ROOT=str(scratch / "media"), ML_INDEX_DIR=str(scratch / "index"), ML_DEVICE="cpu",
        ML_IMAGE_INPUT_SIZE=str(args.input_size), HF_HUB_OFFLINE="1", DJANGO_SETTINGS_MODULE="closetspace_site.settings",
        RECOMMENDER_REBUILD_INLINE="0",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from recommender import services
    from recommender.models import EmbeddingState, InventoryItem
    from tests.factories import GarmentFactory, UserFactory

    call_command("migrate", verbosity=0)
    rows: list[tuple[str, str]] = []
    data = Path(args.data)
    n_rows = sum(1 for _ in csv.reader(open(data / "items.csv"))) - 1
    load_start = os.getloadavg()
    t = time.perf_counter()
    report = services.import_inventory(csv_path=data / "items.csv", images_dir=data / "images")
    import_seconds = took = time.perf_counter() - t
    rows.append(("import (no embedding)", f"{report.kept} kept, {len(report.bad)} bad of {n_rows} rows in {took:.1f}s = {report.kept / took:.0f} items/s"))
    t = time.perf_counter()
    again = services.import_inventory(csv_path=data / "items.csv", images_dir=data / "images")
    rows.append(("re-import (unchanged)", f"{again.unchanged} unchanged in {time.perf_counter() - t:.1f}s"))

    ids = list(InventoryItem.objects.order_by("pk").values_list("pk", flat=True))
    if args.limit:
        ids = ids[: args.limit]
    env = {**os.environ, "EMBEDDING_PRELOAD": "1"}
    rates: dict[int, float] = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        InventoryItem.objects.update(embedding_state=EmbeddingState.PENDING, embedding=None, embedding_version="")
        procs = [_worker(env, scratch / f"w{workers}-{i}.log") for i in range(workers)]
        try:
            time.sleep(1)
            _wait_warm(procs)
            t = time.perf_counter()
            services.queue_items(item_ids=ids)
            while InventoryItem.objects.filter(pk__in=ids, embedding_state__in=["pending", "processing"]).exists():
                time.sleep(1)
            took = time.perf_counter() - t
        finally:
            _stop(procs)
        rates[workers] = len(ids) / took
        ratio = f" ({rates[workers] / rates[min(rates)]:.2f}x {min(rates)} worker)" if workers != min(rates) else ""
        rows.append((f"embedding, {workers} worker process(es)", f"{len(ids)} items in {took:.1f}s = {rates[workers]:.1f} items/s{ratio}"))

    procs = [_worker(env, scratch / "latency.log")]
    try:
        _wait_warm(procs)
        from django.conf import settings
        from closetspace_site.celery import app

        app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=settings.CELERY_BROKER_URL)
        user = UserFactory()
        latencies = []
        for _ in range(args.uploads):
            t = time.perf_counter()
            garment = GarmentFactory(owner=user)
            while type(garment).objects.values_list("embedding_state", flat=True).get(pk=garment.pk) != "ready":
                time.sleep(0.01)
            latencies.append(time.perf_counter() - t)
    finally:
        _stop(procs)
    q = statistics.quantiles(latencies, n=20)
    rows.append(("upload-to-ready, warm worker", f"p50 {statistics.median(latencies):.2f}s, p95 {q[18]:.2f}s over {len(latencies)} uploads"))
    t = time.perf_counter()
    version = services.rebuild_index(force=True)
    rows.append(("index rebuild", f"{version.item_count} items in {time.perf_counter() - t:.1f}s (build {version.build_seconds:.1f}s)"))
    if rates:
        best = max(rates, key=rates.get)
        total = report.kept / rates[best] + import_seconds
        kind = "measured" if len(ids) == report.kept else f"extrapolated from {len(ids)} items"
        rows.append(("whole inventory, import + embedding", f"{report.kept} items in {total:.0f}s = {total / 60:.1f} min ({kind}, {best} worker(s))"))
    connection.close()
    width = max(len(r[0]) for r in rows)
    load_end = os.getloadavg()
    print(f"\ninput size {args.input_size}, {os.cpu_count()} CPU cores, database {connection.vendor}, "
          f"load average (1/5/15 min) {' '.join(f'{x:.1f}' for x in load_start)} at start, {' '.join(f'{x:.1f}' for x in load_end)} at end")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _worker(env: dict, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "closetspace_site", "worker", "--pool", "prefork", "-c", "1", "-Q",
         "embedding,default", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
    )
    proc.log_path = log
    return proc


def _wait_warm(procs: list[subprocess.Popen], timeout: float = 180) -> None:
    """Wait until each worker's child has loaded the models (worker_process_init preload), read from its log."""
    deadline = time.monotonic() + timeout
    logs = [p.log_path for p in procs]
    while time.monotonic() < deadline:
        if all("ready." in log.read_text(errors="replace") for log in logs):
            time.sleep(2)
            return
        time.sleep(0.5)
    sys.exit("workers did not start")


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(30)


if __name__ == "__main__":
    main()
