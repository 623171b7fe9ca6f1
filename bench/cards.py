"""Card rendering benchmark: the server time of For you's body (filters, states and 24 cards, the Jinja2 path of
recommender.cards.for_you_content) and of Find similar's 24 shop matches (recommender/_match_card.html, a Django
template). No database: the items are unsaved rows, as the per-process card cache holds them. Prints a table.

    DATABASE_URL=sqlite:///var/bench/cards.sqlite3 .venv/bin/python -m bench.cards [--repeats 300] [--cards 24]

Item parts are rendered once per item version (recommender.cards.item_card), so after the first page every page
meets them warm, as a web process does. The rows report the median and p90 of per-page CPU time of this process
(``time.process_time``: on a loaded machine wall time mostly measures the neighbours) and the median wall time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from decimal import Decimal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--cards", type=int, default=24)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closetspace_site.settings")
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines
    from django.test import RequestFactory
    from django.utils import timezone

    from recommender.cards import for_you_content
    from recommender.forms import RecommendationFilterForm
    from recommender.models import InventoryItem
    from recommender.selectors import ItemMatch, RecommendationCard, RecommendationPage
    from wardrobe.models import Garment

    now = timezone.now()
    items = [
        InventoryItem(
            pk=i + 1, external_id=str(i), name=f"Linen Shirt {i}", brand="Acme", category="tops", gender="Women",
            price=Decimal("19.99"), currency="EUR", sizes=["S", "M"], product_url="", is_active=True, updated_at=now,
        )
        for i in range(args.cards)
    ]
    because = Garment(pk=7, name="Blue jeans")
    page = RecommendationPage(
        state="ready", seed=1, cards=[RecommendationCard(item=it, score=0.9, because=because) for it in items]
    )
    request = RequestFactory().get("/for-you/?seed=1")
    request.user = AnonymousUser()
    form = RecommendationFilterForm({})
    form.is_valid()
    matches = [ItemMatch(item=it, score=0.9) for it in items]
    match_cards = engines["django"].from_string(
        '{% for match in matches %}{% include "recommender/_match_card.html" %}{% endfor %}'
    )

    def time_it(render) -> tuple[float, float, float]:
        render()  # warm: templates compiled, item parts cached
        cpu, wall = [], []
        for _ in range(args.repeats):
            started, started_wall = time.process_time(), time.perf_counter()
            render()
            cpu.append((time.process_time() - started) * 1000)
            wall.append((time.perf_counter() - started_wall) * 1000)
        cpu.sort()
        return statistics.median(cpu), cpu[int(len(cpu) * 0.9)], statistics.median(wall)

    rows = [
        (f"For you body, {args.cards} cards (Jinja2)", *time_it(lambda: for_you_content(page, form=form, request=request, next_seed=2))),
        (f"Find similar, {args.cards} shop matches (_match_card.html)", *time_it(lambda: match_cards.render({"matches": matches, "request": request}))),
    ]
    print(f"{'what':55} {'cpu p50 ms':>10} {'cpu p90 ms':>10} {'wall p50 ms':>11}")
    for what, p50, p90, wall in rows:
        print(f"{what:55} {p50:10.3f} {p90:10.3f} {wall:11.3f}")


if __name__ == "__main__":
    main()
