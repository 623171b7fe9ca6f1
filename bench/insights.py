"""Insights benchmark: server time of the insights page (and /api/insights/, the calendar) for a closet of 500
garments and 5,000 wears on PostgreSQL, against the closet page in the same run as the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cs_insights_bench \
        flock /tmp/closetspace-bench.lock .venv/bin/python -m bench.insights [--garments 500] [--wears 5000]

Point DATABASE_URL at a scratch database of its own: it is migrated and the bench user's rows are replaced. Rows are
bulk-inserted (one shared stored photo) so set-up takes seconds; wears are spread over the last 400 days, a fifth
of them outfit wears (about 4 garments each). Each page is requested in-process through Django's test client with
DEBUG off (the full middleware, template and query path, no network), after warm-up requests; p50/p95 of
`--requests` requests, and the ratio of each p50 to the closet page's.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--garments", type=int, default=500)
    parser.add_argument("--wears", type=int, default=5000)
    parser.add_argument("--outfits", type=int, default=40)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-insights-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="closetspace_site.settings", DJANGO_MEDIA_ROOT=str(scratch / "media"),
        ML_INDEX_DIR=str(scratch / "index"), DJANGO_DEBUG="0", DJANGO_SECRET_KEY="bench-insights-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="testserver", DJANGO_SECURE_SSL_REDIRECT="0", HF_HUB_OFFLINE="1",
        DJANGO_STATIC_ROOT=str(scratch / "static"),
    )
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a scratch PostgreSQL database")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # DEBUG off serves hashed static names
    user = _fill(get_user_model(), args)
    client = Client()
    client.force_login(user)
    today = _today()
    routes = [
        ("closet page (baseline)", "/closet/"),
        ("insights page", "/insights/"),
        ("/api/insights/", "/api/insights/"),
        ("calendar month", f"/calendar/?month={today:%Y-%m}"),
    ]
    results = []
    for label, url in routes:
        for _ in range(args.warmup):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        results.append((label, statistics.median(times), p95, len(response.content)))
    base = results[0][1]
    print(f"# {args.garments} garments, {args.wears} wears, {args.outfits} outfits | PostgreSQL | Django test client, "
          f"DEBUG off | {args.requests} requests each after {args.warmup} warm-up | load {os.getloadavg()[0]:.2f}")
    print("| page | p50 ms | p95 ms | vs closet p50 | bytes |")
    print("|---|---:|---:|---:|---:|")
    for label, p50, p95, size in results:
        print(f"| {label} | {p50:.1f} | {p95:.1f} | {p50 / base:.2f}x | {size:,} |")


def _today():
    from wardrobe.wears import today

    return today()


def _fill(User, args):
    import datetime
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction

    from tests.factories import image_bytes
    from wardrobe import taxonomy
    from wardrobe.models import Garment, Outfit, OutfitItem, Wear

    rng = random.Random(7)
    User.objects.filter(username="insights-bench").delete()
    user = User.objects.create_user("insights-bench", password="bench-password-123")
    photo = default_storage.save("garments/bench.jpg", ContentFile(image_bytes(size=(240, 320))))
    categories = [c for c, _ in taxonomy.CATEGORY_CHOICES if c not in (taxonomy.BEAUTY, taxonomy.NIGHTWEAR)]
    colours = [c for c, _ in taxonomy.COLOUR_CHOICES]
    seasons = [c for c, _ in taxonomy.SEASON_CHOICES] + [""]
    now = datetime.datetime.now(datetime.timezone.utc)
    with transaction.atomic():
        garments = Garment.objects.bulk_create(
            Garment(
                owner=user, image=photo, thumbnail=photo, image_width=240, image_height=320, name=f"Bench garment {i}",
                category=rng.choice(categories), colour=rng.choice(colours), season=rng.choice(seasons),
                price_paid=Decimal(rng.randrange(500, 20000)) / 100 if rng.random() < 0.7 else None,
            )
            for i in range(args.garments)
        )
        Garment.objects.filter(owner=user).update(created_at=now - datetime.timedelta(days=500))
        outfits = Outfit.objects.bulk_create(
            Outfit(owner=user, name=f"Bench outfit {i}", occasion=rng.choice(sorted(taxonomy.OCCASIONS)))
            for i in range(args.outfits)
        )
        members: dict[int, list[int]] = {}
        items = []
        for outfit in outfits:
            chosen = rng.sample(garments, 4)
            members[outfit.pk] = [g.pk for g in chosen]
            items += [
                OutfitItem(outfit=outfit, garment=g, position=p, slot=taxonomy.slot_for(g.category), name_snapshot=g.name)
                for p, g in enumerate(chosen)
            ]
        OutfitItem.objects.bulk_create(items)
        today = _today()
        entries = []
        for _ in range(args.wears):
            date = today - datetime.timedelta(days=rng.randrange(400))
            if rng.random() < 0.2:
                entries.append(Wear(owner=user, date=date, outfit=rng.choice(outfits)))
            else:
                entries.append(Wear(owner=user, date=date, garment=rng.choice(garments)))
        entries = Wear.objects.bulk_create(entries)
        through = Wear.garments.through
        rows = []
        for wear in entries:
            ids = [wear.garment_id] if wear.garment_id else members[wear.outfit_id]
            rows += [through(wear_id=wear.pk, garment_id=g) for g in ids]
        through.objects.bulk_create(rows)
    return user


if __name__ == "__main__":
    main()
