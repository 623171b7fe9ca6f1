"""The login lockout (django-axes) as the first authentication backend, so a locked-out account or address is refused
before ModelBackend computes a password hash (~0.45 s of CPU each, which is what a brute force spends)."""
from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check, skipped for calls without a request (the test client's login(), a shell): only web requests are
    attempts an attacker can repeat, and axes refuses to run without one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
