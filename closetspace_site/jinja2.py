"""The Jinja2 environment for the few templates that sit in a hot loop (the recommendation card grid).

Django's own template language is kept for every page; Jinja2 compiles a template to Python, so a grid of 24 cards
renders in about a tenth of the time (measured in docs/benchmarks.md, Web serving). Templates live in
templates/jinja2/ and receive plain data: URLs are built before rendering (see ``recommender.cards``).
"""
from __future__ import annotations

from typing import Any

from django.templatetags.static import static
from jinja2 import Environment

from recommender.templatetags.recommender_extras import money


def environment(**options: Any) -> Environment:
    env = Environment(**options)
    env.globals.update(static=static)
    env.filters.update(money=money)
    return env
