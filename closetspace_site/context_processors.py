"""Template context every page gets."""
from __future__ import annotations

import functools

from django.http import HttpRequest
from django.urls import reverse

# The routes base.html links to on every page, by the name the template uses.
NAV_ROUTES = {
    "home": "wardrobe:home", "closet": "wardrobe:closet", "for_you": "recommender:for-you",
    "liked": "recommender:liked", "similar": "recommender:similar", "profile": "profile", "logout": "logout",
    "upload": "wardrobe:garment-upload",
    "login": "login", "signup": "signup",
    "outfits": "wardrobe:outfit-list", "calendar": "wardrobe:calendar", "insights": "wardrobe:insights",
    "boards": "wardrobe:board-list",
}


@functools.cache
def _nav_urls() -> dict[str, str]:
    return {key: reverse(name) for key, name in NAV_ROUTES.items()}


def nav_urls(request: HttpRequest) -> dict[str, dict[str, str]]:
    """``nav``: the navigation's URLs, reversed once per process (nine ``{% url %}`` tags were ~5% of a For you
    request)."""
    return {"nav": _nav_urls()}
