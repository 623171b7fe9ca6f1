"""The Jinja2 environment for the pages in a hot loop (For you: its body and card grid).

Every other page uses Django's own template language. Jinja2 compiles a template to Python, so the For you body
with its 24 cards renders in a fraction of the time (docs/benchmarks.md, Web serving). Templates live in
templates/jinja2/ and receive plain data: per-item URLs are built before rendering (``recommender.cards``).
"""
from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from jinja2 import Environment

from recommender.templatetags.recommender_extras import money
from wardrobe.http import url


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    env.globals.update(static=static, url=url)
    env.filters.update(money=money)
    return env
