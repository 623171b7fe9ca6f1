"""Web serving benchmark: For you page and /api/recommendations/ under 50 concurrent users, plus the server time of
one recommendation query at 35,000 and 1,000,000 inventory items.

What it does (on the database in DATABASE_URL, which it migrates and fills: use a scratch one):

1. Inventory: one row per line of the full dataset's items.csv (35,554 real names, categories, genders, usages,
   demo prices and sizes), every row pointing at one shared placeholder photo, with the REAL item vectors of the
   shared photos and names made by ``python -m bench.ann --embed`` (``--embeddings``; without that file,
   synthetic clustered unit vectors of the same width, 1,664 = Lite0 1280 + MiniLM 384, labelled so). Then the
   real index build (recommender.services.rebuild_index, Annoy).
2. ``--users`` users, each with a closet of ``--closet`` ready garments: items of one (gender, usage) persona with a
   little noise on their vectors.
3. The site as docker/compose.yaml deploys it: gunicorn sync workers (``--workers``, 2 by default: one per core
   measured best) serving this checkout with DEBUG off and the cache in Redis (``--redis``), behind nginx with
   docker/nginx.conf itself (``--proxy nginx``, the default when an ``nginx`` binary is on PATH). Without nginx
   (``--proxy none``) the load goes straight to gunicorn, one connection per request (``--keep-alive 0``), as
   gunicorn sees it behind the proxy; ``--worker-class gthread --keep-alive 30`` measures keep-alive connections
   pinned to workers instead.
4. Load (bench/loadgen.py, asyncio, one keep-alive connection per user, each logged in as its own user with a
   session made in the database and sending back its CSRF cookie, a fresh seed per request so every request is a
   new list), per endpoint:
   a closed loop (``--concurrency`` users, each sending as soon as its answer arrives: the most the server takes)
   and a fixed rate (``--rate`` requests/s spread over the same users; latency from the time each request was due).
   Prints throughput, p50/p90/p99 and errors (non-200 or socket errors).
5. In-process (one BLAS thread, like the served processes): ml.ranking.recommend on the 35k index with the
   profile cached (what a refresh costs) and computed (after a closet or feedback change), the full selector with
   its database reads, the exact fallback; then, unless ``--skip-million``, 1,000,000 items drawn around the real
   vectors (as bench/ann.py draws its larger sizes; clustered synthetic ones without them):
   ``--million-dims``-wide vectors generated in chunks into a float16 memmap, an Annoy index over their
   ``--million-pca`` PCA projection (``--million-trees``) with the full vectors stored float16 for the exact
   re-rank, and the item metadata as an ItemTable (1M rows are not put in Postgres: the selector's database part
   does not grow with the inventory, the query does).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cs_perf_bench .venv/bin/python -m bench.web \
        --data ../shared/datasets/fashion-products
"""
from __future__ import annotations

import argparse
import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIM = 1664
MODEL = "bench-synthetic-1664"
# One BLAS thread per process: the matrices of one query are small, and multithreaded BLAS in every web worker
# only makes them fight over the two cores (part of the serving configuration measured here).
SERVER_ENV = {
    "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
}
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads, for the in-process timings too

import numpy as np  # noqa: E402

from bench.loadgen import load_table, run_load  # noqa: E402


def _setup_django(index_dir: Path, media_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")
    os.environ["ML_INDEX_DIR"] = str(index_dir)
    os.environ["DJANGO_MEDIA_ROOT"] = str(media_dir)
    os.environ["RECOMMENDER_REBUILD_INLINE"] = "0"
    # The same secret key as the gunicorn processes, so the sessions made here are valid there.
    os.environ.update(SERVER_ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = media_dir
    settings.ML_INDEX_DIR = index_dir


def clustered_units(
    n: int, dim: int, *, centres: int, seed: int, spread: float = 0.6, out: np.ndarray | None = None
) -> np.ndarray:
    """Unit vectors around ``centres`` random directions, written in 50k-row chunks (into ``out``, e.g. a float16
    memmap, when given, so 1M x 1664 never sits in memory as float32)."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32) if out is None else out
    for start in range(0, n, 50_000):
        m = min(50_000, n - start)
        x = c[rng.integers(centres, size=m)] + spread * rng.normal(size=(m, dim)).astype(np.float32) / np.sqrt(dim)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def real_vectors(path: Path | None) -> tuple[dict[str, np.ndarray], str] | None:
    """Real item embeddings made by ``python -m bench.ann --embed`` (the product's encoder over the shared data), as
    {items.csv id: row} and their model version, or None when ``path`` is not there."""
    if path is None or not path.exists():
        return None
    matrix = np.load(path, mmap_mode="r")
    ids = np.load(path.with_name(path.stem + "-ids.npy"))
    version_file = path.with_name(path.stem + "-version.txt")
    version = version_file.read_text().strip() if version_file.exists() else f"bench-real-{path.stem}"
    return {str(i): matrix[j] for j, i in enumerate(ids.tolist())}, version


def load_inventory(data_dir: Path, media_dir: Path, *, limit: int | None, real: dict[str, np.ndarray] | None = None) -> int:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from PIL import Image

    from ml.data import iter_styles
    from recommender.models import InventoryItem
    from recommender.services.inventory import brand_from_name, demo_price, demo_sizes
    from wardrobe.taxonomy import category_for

    if InventoryItem.objects.filter(embedding_version=MODEL).exists():
        return InventoryItem.objects.filter(embedding_version=MODEL).count()
    buf = __import__("io").BytesIO()
    Image.new("RGB", (60, 80), (200, 190, 180)).save(buf, format="JPEG")
    photo = default_storage.save("inventory/bench-placeholder.jpg", ContentFile(buf.getvalue()))
    rows = list(iter_styles(data_dir / "items.csv"))[:limit]
    if real is not None:
        rows = [row for row in rows if str(row.id) in real]
        vectors = (real[str(row.id)] for row in rows)
    else:
        vectors = clustered_units(len(rows), DIM, centres=400, seed=1)
    batch = []
    for row, v in zip(rows, vectors):
        category = category_for(row.master_category, row.sub_category, row.article_type)
        batch.append(
            InventoryItem(
                external_id=f"bench-{row.id}", name=row.name[:200] or f"Item {row.id}", brand=brand_from_name(row.name),
                category=category, gender=row.gender, price=demo_price(row.id, category), currency="EUR",
                sizes=demo_sizes(row.id, category), product_url=f"https://shop.example.com/p/{row.id}",
                image=photo, thumbnail=photo, embedding_state="ready", embedding=np.asarray(v, dtype="<f4").tobytes(),
                embedding_version=MODEL, usage=row.usage,
            )
        )
        if len(batch) == 2000:
            InventoryItem.objects.bulk_create(batch)
            batch = []
    InventoryItem.objects.bulk_create(batch)
    return len(rows)


def make_users(n: int, closet: int) -> list[int]:
    from django.contrib.auth import get_user_model

    from recommender.models import InventoryItem
    from wardrobe.models import Garment

    User = get_user_model()
    ids = []
    # A closet is one persona's clothes: items of one (gender, usage) pair, each with a little noise (a photo of
    # one's own shirt is near, not equal to, the shop's), so a closet has the clusters a real one has.
    rows = list(InventoryItem.objects.filter(embedding_version=MODEL).values_list("gender", "usage", "embedding", "category", "name"))
    personas: dict[tuple[str, str], list] = {}
    for gender, usage, blob, category, name in rows:
        personas.setdefault((gender, usage), []).append((blob, category, name))
    big = sorted(key for key, members in personas.items() if len(members) >= 10 * closet)
    rng = np.random.default_rng(2)
    for u in range(n):
        user, _ = User.objects.get_or_create(username=f"bench{u}")
        ids.append(user.pk)
        if Garment.objects.filter(owner=user).exists():
            continue
        members = personas[big[u % len(big)]]
        garments = []
        for j in rng.choice(len(members), size=closet, replace=False):
            blob, category, name = members[j]
            v = np.frombuffer(bytes(blob), dtype="<f4") + 0.3 * rng.normal(size=DIM).astype(np.float32) / np.sqrt(DIM)
            v /= np.linalg.norm(v)
            garments.append(
                Garment(owner=user, name=name[:100] or f"Garment {len(garments)}", category=category,
                        image="inventory/bench-placeholder.jpg", thumbnail="inventory/bench-placeholder.jpg",
                        embedding_state="ready", embedding=v.astype("<f4").tobytes(), embedding_version=MODEL)
            )
        Garment.objects.bulk_create(garments)
    return ids


def session_cookies(user_ids: list[int]) -> list[str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.crypto import get_random_string

    out = []
    for user in get_user_model().objects.filter(pk__in=user_ids):
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        # A browser also sends back the CSRF cookie of its first page; without it every page mints a new secret.
        out.append(f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={get_random_string(32)}")
    return out


def start_nginx(port: int, upstream_port: int, work: Path) -> subprocess.Popen:
    """nginx with the deployment's own proxy settings (docker/nginx-proxy.conf), its upstream at ``upstream_port``."""
    # The deployment's HTTPS server block without TLS: its upstream and what it does with a request
    # (docker/nginx-proxy.conf); the plain-HTTP redirect and the certificate are not what this measures.
    proxy = (ROOT / "docker" / "nginx-proxy.conf").read_text()
    site = (
        f"upstream closetspace_web {{\n    server 127.0.0.1:{upstream_port};\n}}\n"
        f"server {{\n  listen 127.0.0.1:{port};\n{proxy}\n}}\n"
    )
    conf = work / "nginx.conf"
    work.chmod(0o755)  # nginx's workers run as an unprivileged user when it is started as root
    for temp in ("nginx-body", "nginx-proxy"):
        (work / temp).mkdir(exist_ok=True)
        (work / temp).chmod(0o777)
    conf.write_text(
        f"worker_processes 1;\nerror_log {work}/nginx-error.log warn;\npid {work}/nginx.pid;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {work}/nginx-body;\n  proxy_temp_path {work}/nginx-proxy;\n"
        f"  {site}\n}}\n"
    )
    proc = subprocess.Popen([shutil.which("nginx") or "nginx", "-c", str(conf), "-g", "daemon off;"])
    for _ in range(50):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("nginx did not come up")


def start_gunicorn(
    port: int, workers: int, threads: int, env: dict, *, worker_class: str = "gthread", keep_alive: int = 30
) -> subprocess.Popen:
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"), "closetspace_site.wsgi:application", "-b", f"127.0.0.1:{port}",
        "-k", worker_class, "-w", str(workers), "--threads", str(threads), "--backlog", "512", "--keep-alive", str(keep_alive),
        "--log-level", "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    for _ in range(150):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
            if c.getresponse().status in (200, 302):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not come up")


def profile_pages(cookie: str, n: int, *, top: int = 40) -> str:
    """CPU per For you page in this process (a new seed each, as the load sends them) through Django's test client
    with the served middleware, settings and cache, then cProfile tables (cumulative and own time) of another ``n``
    pages: where a page's CPU goes. One process, no gunicorn, no load generator."""
    import cProfile
    import io
    import pstats
    from http.cookies import SimpleCookie

    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies = SimpleCookie(cookie)
    path = "/for-you/?seed={}"
    for i in range(20):  # warm: index, card rows, the closet profile
        assert client.get(path.format(i + 1)).status_code == 200
    t0 = time.process_time()
    for i in range(n):
        client.get(path.format(1000 + i))
    cpu_ms = (time.process_time() - t0) * 1000 / n
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        client.get(path.format(5000 + i))
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top // 2)
    return f"\nFor you page in-process: {cpu_ms:.2f} ms CPU per page ({n} pages, unprofiled)\n{out.getvalue()}"


def time_query(fn, *, repeats: int) -> tuple[float, float]:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * (len(times) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "fashion-products")
    ap.add_argument("--limit", type=int, default=None, help="inventory rows (default: all of items.csv)")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--closet", type=int, default=12)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--worker-class", default="sync", help="gunicorn worker class: sync or gthread")
    ap.add_argument("--keep-alive", type=int, default=0,
                    help="gunicorn keep-alive seconds (direct connections only); 0 closes each connection, so every "
                         "request is accepted by whichever worker is free (a kept-alive connection stays with one worker)")
    ap.add_argument("--proxy", choices=["auto", "nginx", "none"], default="auto",
                    help="put nginx (docker/nginx.conf) in front of gunicorn; auto: when an nginx binary is on PATH")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--warmup", type=float, default=5.0)
    ap.add_argument("--max-requests", type=int, default=20_000)
    ap.add_argument("--rate", type=lambda v: [float(x) for x in v.split(",")], default=[100.0, 200.0],
                    help="requests/s of the fixed-rate rows, comma-separated")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--repeats", type=int, default=50)
    ap.add_argument("--embeddings", type=Path, default=ROOT / "var" / "bench" / "item-embeddings.npy",
                    help="real item vectors from `python -m bench.ann --embed` (synthetic ones when the file is missing)")
    ap.add_argument("--skip-million", action="store_true")
    ap.add_argument("--million", type=int, default=1_000_000)
    ap.add_argument("--million-dims", type=int, default=DIM)
    ap.add_argument("--million-trees", type=int, default=10)
    ap.add_argument("--million-pca", type=int, default=128, help="Annoy over this many PCA dims (0: the full vectors)")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/14",
                    help="REDIS_URL for the served site's cache, flushed first ('' for each process's local memory)")
    ap.add_argument("--endpoints", default="for-you,api",
                    help="which to load: for-you, api or both (comma-separated; empty: none)")
    ap.add_argument("--skip-in-process", action="store_true", help="only the served rows")
    ap.add_argument("--profile-pages", type=int, default=0,
                    help="also run this many For you pages in-process (Django's test client, the served settings and "
                         "cache) and print their CPU per page and a cProfile table")
    args = ap.parse_args()

    global MODEL
    real = real_vectors(args.embeddings)
    if real is not None:
        MODEL = real[1]
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    index_dir, media_dir = work / "index", work / "media"
    if args.redis:
        os.environ["REDIS_URL"] = args.redis  # the in-process rows use the served processes' cache too
    os.environ["DJANGO_STATIC_ROOT"] = str(work / "static")  # collected below; the in-process pages read its manifest
    _setup_django(index_dir, media_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from recommender.services import rebuild_index

    t0 = time.perf_counter()
    n_items = load_inventory(args.data, media_dir, limit=args.limit, real=real[0] if real else None)
    kind = "real embeddings of the shared photos and names" if real else "SYNTHETIC clustered vectors"
    print(f"inventory: {n_items} items ({MODEL}, {kind}, {DIM}-d) in {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    version = rebuild_index(force=True)
    print(f"index: {version.item_count} items, Annoy, built in {time.perf_counter() - t0:.1f}s", flush=True)
    user_ids = make_users(args.users, args.closet)
    cookies = session_cookies(user_ids)
    cookies = (cookies * (args.concurrency // len(cookies) + 1))[: args.concurrency]

    env = dict(os.environ, **SERVER_ENV, HF_HUB_OFFLINE="1")
    if args.redis:
        env["REDIS_URL"] = args.redis
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    gunicorn_port = args.port + 1
    proc = start_gunicorn(
        gunicorn_port, args.workers, args.threads, env, worker_class=args.worker_class, keep_alive=args.keep_alive
    )
    proxy = args.proxy if args.proxy != "auto" else ("nginx" if shutil.which("nginx") else "none")
    nginx = start_nginx(args.port, gunicorn_port, work) if proxy == "nginx" else None
    load_port = args.port if nginx else gunicorn_port
    results = []
    try:
        endpoints = {
            "for-you": ("For you page", lambda i: f"/for-you/?seed={i + 1}"),
            "api": ("/api/recommendations/", lambda i: f"/api/recommendations/?seed={i + 1}"),
        }
        for name, path_of in (endpoints[e] for e in args.endpoints.split(",") if e):
            results.append((name, run_load(
                load_port, cookies, path_of, mode="closed", seconds=args.seconds, warmup=args.warmup,
                max_requests=args.max_requests,
            )))
            for rate in args.rate:
                results.append((name, run_load(
                    load_port, cookies, path_of, mode="rate", rate=rate, seconds=args.seconds, warmup=args.warmup,
                    max_requests=args.max_requests,
                )))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=30)
        proc.terminate()
        proc.wait(timeout=30)

    front = "nginx (docker/nginx.conf) -> " if nginx else f"direct (gunicorn keep-alive {args.keep_alive}s), "
    print(f"\nserving: {front}gunicorn {args.worker_class} {args.workers} workers x {args.threads} threads, "
          f"cache {'Redis' if args.redis else 'local memory'}, {args.concurrency} users, "
          f"{n_items} items, closets of {args.closet}, {args.seconds:.0f}s per row after {args.warmup:.0f}s warm-up, "
          f"a new seed (a new list) per request")
    print(load_table(results))
    if args.profile_pages:
        print(profile_pages(cookies[0], args.profile_pages))
    if args.skip_in_process:
        shutil.rmtree(work, ignore_errors=True)
        return

    # --- in-process server time ---------------------------------------------------------------------------------
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from ml.index import ExactIndex
    from ml.ranking import build_profile, recommend
    from recommender import selectors
    from recommender.selectors import current_index
    from wardrobe.models import Garment

    user = get_user_model().objects.get(pk=user_ids[0])
    index = current_index()
    raw = getattr(index, "index", index)
    info = selectors.item_info_for(index)
    owned = list(Garment.objects.filter(owner=user).order_by("pk").values_list("pk", "embedding"))
    owned_ids = [-pk for pk, _ in owned]
    owned_vectors = np.vstack([np.frombuffer(bytes(b), dtype="<f4") for _, b in owned])
    profile = build_profile(owned_vectors)
    print(f"in-process user: closet of {len(owned_ids)}, {profile.k} profile centroids", flush=True)
    rng = np.random.default_rng(0)
    serving = dict(k=24, item_info=info, rng=rng, overfetch=settings.RECOMMENDER_OVERFETCH)
    ann = f"Annoy pca={raw.pca_dims if hasattr(raw, 'pca_dims') else '-'}, search_k {getattr(raw, 'search_k', '-')}, re-rank x{getattr(raw, 'overfetch', '-')}"
    rows = []
    rows.append((f"{len(index)} items, ml.ranking.recommend, cached profile ({ann})",
                 *time_query(lambda: recommend(raw, owned_ids, owned_vectors, profile=profile, **serving), repeats=args.repeats)))
    rows.append((f"{len(index)} items, ml.ranking.recommend, profile computed (k-means: a closet or feedback change)",
                 *time_query(lambda: recommend(raw, owned_ids, owned_vectors, **serving), repeats=args.repeats)))
    rows.append((f"{len(index)} items, recommendations_for (all database reads + rows, profile cache warm)",
                 *time_query(lambda: selectors.recommendations_for(user=user, k=24), repeats=args.repeats)))
    exact = ExactIndex(index.ids, raw.vectors_for(index.ids), model_version=MODEL)
    rows.append((f"{len(index)} items, ml.ranking.recommend, cached profile, exact search (the fallback)",
                 *time_query(lambda: recommend(exact, owned_ids, owned_vectors, profile=profile, **serving), repeats=max(5, args.repeats // 5))))
    del exact

    if not args.skip_million:
        base = np.load(args.embeddings, mmap_mode="r") if real else None
        rows.extend(million_rows(args, work, serving=dict(serving, item_info=None), rng=rng, base=base))

    print(f"\n{'one recommendation query (server time, in-process, one BLAS thread)':<110}{'p50 ms':>9}{'p99 ms':>9}")
    for name, p50, p99 in rows:
        print(f"{name:<110}{p50:>9.1f}{p99:>9.1f}")
    shutil.rmtree(work, ignore_errors=True)  # ~4 GB with the 1M index; the next run rebuilds its index anyway


def million_rows(
    args, work: Path, *, serving: dict, rng: np.random.Generator, base: np.ndarray | None = None
) -> list[tuple[str, float, float]]:
    """ml.ranking.recommend over ``--million`` synthetic items: full vectors stored float16 (what the index keeps
    for the exact re-rank), Annoy over their PCA projection, item metadata as an ItemTable."""
    from django.conf import settings

    from ml.index import AnnoyVectorIndex
    from ml.ranking import Filters, ItemTable, build_profile, recommend

    n, d = args.million, args.million_dims
    t0 = time.perf_counter()
    source = np.lib.format.open_memmap(work / "million-source.npy", mode="w+", dtype="float16", shape=(n, d))
    if base is not None:  # draws around the real vectors, as bench/ann.py makes its larger sizes
        from bench.ann import around

        draw_rng = np.random.default_rng(7)
        base = np.asarray(base, dtype=np.float32)
        for start in range(0, n, 50_000):
            stop = min(n, start + 50_000)
            source[start:stop] = around(base, stop - start, noise=0.4, rng=draw_rng)
    else:
        clustered_units(n, d, centres=2000, seed=7, out=source)
    gen_s = time.perf_counter() - t0
    ids = np.arange(1, n + 1, dtype=np.int64)
    folder = work / "million"
    t0 = time.perf_counter()
    AnnoyVectorIndex.build(
        folder, ids, source, model_version="m", n_trees=args.million_trees, pca_dims=args.million_pca or None,
        vector_dtype="float16", search_k=settings.RECOMMENDER_ANN_SEARCH_K, overfetch=settings.RECOMMENDER_ANN_OVERFETCH,
    )
    build_s = time.perf_counter() - t0
    # A closet of three styles (like the served users' closets of several clusters): items around three anchors.
    anchors = np.asarray(source[rng.integers(n, size=3)], dtype=np.float32)
    closet_rows = anchors[np.arange(args.closet) % 3] + 0.3 * rng.normal(size=(args.closet, d)).astype(np.float32) / np.sqrt(d)
    del source
    (work / "million-source.npy").unlink()
    big = AnnoyVectorIndex.load(folder, expected_version="m", verify_checksums=False)
    sizes = ["XS", "S", "M", "L", "XL"]
    cats = ["tops", "bottoms", "shoes", "dresses", "outerwear", "bags", "accessories"]
    t0 = time.perf_counter()
    table = ItemTable(
        ids, categories=[cats[i % 7] for i in range(n)], prices=(10.0 + ids % 150).tolist(),
        sizes=[(sizes[i % 5],) for i in range(n)], genders=[("Women", "Men", "Unisex")[i % 3] for i in range(n)],
    )
    table_s = time.perf_counter() - t0
    files_mb = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    print(f"1M index: vectors generated in {gen_s:.0f}s, built in {build_s:.0f}s ({files_mb:.0f} MB on disk: "
          f"{n} x {d} float16 + Annoy pca={args.million_pca}), ItemTable in {table_s:.1f}s", flush=True)
    closet_ids = [-(i + 1) for i in range(args.closet)]
    profile = build_profile(closet_rows)
    label = f"{n} items ({d}-d float16, Annoy pca={args.million_pca}, {args.million_trees} trees, {profile.k} profile centroids)"
    serving = dict(serving, item_info=table)
    women_shoes = dict(serving, filters=Filters(
        categories=frozenset({"shoes"}), genders=frozenset({"Women", "Unisex"}), max_price=60.0))
    return [
        (f"{label}, ml.ranking.recommend, cached profile",
         *time_query(lambda: recommend(big, closet_ids, closet_rows, profile=profile, **serving), repeats=args.repeats)),
        (f"{label}, same + filters (shoes, Women/Unisex, <= 60)",
         *time_query(lambda: recommend(big, closet_ids, closet_rows, profile=profile, **women_shoes), repeats=args.repeats)),
        (f"{label}, ml.ranking.recommend, profile computed",
         *time_query(lambda: recommend(big, closet_ids, closet_rows, **serving), repeats=args.repeats)),
    ]


if __name__ == "__main__":
    main()
