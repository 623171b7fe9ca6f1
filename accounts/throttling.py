"""Who is asking, and how often: the client address behind trusted proxies, the sign-up rate limit shared by the page
and the API, and the answer given to a login that django-axes locked out.

The address matters because every limit here is keyed by it. `X-Forwarded-For` is written by whoever sends the
request, so it is read only when the peer is one of settings.TRUSTED_PROXIES (compose's nginx by default); otherwise a
new header per request would be a new client per request, which is how the sign-up limit used to be bypassed.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import AnonRateThrottle

LOCKED_OUT_MESSAGE = (
    "Too many failed logins for this account or from this address. Wait {minutes} minutes and try again, "
    "or reset your password to unlock the account now."
)


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry.strip())


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The address of the client: the peer itself, unless the peer is a trusted proxy; then the right-most address
    in X-Forwarded-For that is not a trusted proxy (each proxy appends the address it saw, so entries to its left were
    written by the client and prove nothing)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _is_trusted(remote):
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a garbled header from the client: count the proxy's peer rather than trust it
    return hops[0] if hops else remote


class RegisterThrottle(AnonRateThrottle):
    """Limits sign-ups per client address (settings.API_REGISTER_RATE, read per request so tests can change it).
    The sign-up page and /api/auth/register/ share one counter: both make accounts."""

    scope = "register"

    def get_rate(self) -> str | None:
        return settings.API_REGISTER_RATE or None

    def get_ident(self, request) -> str:
        return client_ip(request)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login page (AXES_LOCKOUT_CALLABLE): the login page again, with why and the
    way out, as 429. The password was not checked: the lockout backend refused before any hash was computed."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)) if settings.AXES_COOLOFF_TIME else 0
    return render(
        request, "registration/locked_out.html", {"message": LOCKED_OUT_MESSAGE.format(minutes=minutes)}, status=429
    )
