"""Response headers every page gets: a Content-Security-Policy, and Cache-Control that keeps a signed-in user's pages
out of shared caches and off the disk of a shared computer.

A small middleware of our own rather than a package: the policy is one fixed string (settings.CONTENT_SECURITY_POLICY)
because no page has inline scripts or styles (templates/ and static/js keep them in files), and the Swagger UI is
served in its split form (the init script is a URL of its own).
"""
from __future__ import annotations

from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        if response.has_header("Cache-Control"):
            return response  # set by the view (photos); checked first so a public image never loads the session
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Pages, fragments and JSON for a signed-in user are theirs alone: never stored by a proxy, and not kept
            # by the browser either (a shared computer's back button after logout). Files that set their own
            # Cache-Control (closet photos: private, max-age) keep it.
            patch_cache_control(response, private=True, no_store=True)
        return response
