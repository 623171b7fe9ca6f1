"""Abuse limits: the client address behind trusted proxies only, the sign-up limit on the page and the API, and the
login lockout per account and per address (refused before any password hash is computed), with its ways out."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.throttling import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
PROXY = "10.0.0.2"


class CountingHasher(MD5PasswordHasher):
    """The fast test hasher, counting how often a password is hashed (what a brute force costs the server)."""

    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.wardrobe.test_abuse_limits.CountingHasher"]
    settings.AXES_FAILURE_LIMIT = 10
    CountingHasher.calls = 0


def meta(remote: str, forwarded: str | None = None) -> dict:
    return {"REMOTE_ADDR": remote, **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})}


# --- the client address ---------------------------------------------------------------------------------------------

def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(RequestFactory().get("/", **meta(ATTACKER, "198.51.100.1"))) == ATTACKER


def test_a_trusted_proxys_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(RequestFactory().get("/", **meta(PROXY, "198.51.100.1"))) == "198.51.100.1"


def test_behind_a_trusted_proxy_addresses_the_client_wrote_itself_are_ignored(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    request = RequestFactory().get("/", **meta(PROXY, f"1.2.3.4, {ATTACKER}"))
    assert client_ip(request) == ATTACKER


def test_trusted_proxies_may_be_given_as_a_network(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_ip(RequestFactory().get("/", **meta("10.0.0.77", "198.51.100.9"))) == "198.51.100.9"


# --- sign-up limits -------------------------------------------------------------------------------------------------

def register(n: int, **extra):
    return APIClient().post(
        "/api/auth/register/", {"username": f"newcomer{n}", "password": "walk-in-wardrobe-2024"}, format="json", **extra
    )


def signup_page(client, n: int, **extra):
    """One sign-up through the page, logged out again after it (a signed-in visitor is sent to the closet)."""
    response = client.post(
        reverse("signup"),
        {"username": f"walkin{n}", "email": "", "password1": "walk-in-wardrobe-2024", "password2": "walk-in-wardrobe-2024"},
        **extra,
    )
    client.logout()
    return response


def test_a_new_forwarded_address_each_time_does_not_bypass_the_api_sign_up_limit(settings):
    settings.API_REGISTER_RATE = "3/hour"
    codes = [register(n, **meta(ATTACKER, f"198.51.100.{n}")).status_code for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]


def test_two_clients_behind_the_trusted_proxy_have_their_own_sign_up_limits(settings):
    settings.API_REGISTER_RATE = "2/hour"
    settings.TRUSTED_PROXIES = [PROXY]
    [register(n, **meta(PROXY, "198.51.100.1")) for n in range(2)]
    assert register(9, **meta(PROXY, "198.51.100.2")).status_code == 201


def test_the_sign_up_page_is_limited_per_address(client, settings):
    settings.API_REGISTER_RATE = "3/hour"
    codes = [signup_page(client, n, **meta(ATTACKER)).status_code for n in range(3)]
    response = signup_page(client, 3, **meta(ATTACKER))
    assert codes == [302, 302, 302] and response.status_code == 429
    assert "Too many sign-ups from your address" in response.content.decode()


def test_the_refused_sign_up_page_creates_no_account(client, settings, django_user_model):
    settings.API_REGISTER_RATE = "1/hour"
    signup_page(client, 0, **meta(ATTACKER))
    signup_page(client, 1, **meta(ATTACKER))
    assert not django_user_model.objects.filter(username="walkin1").exists()


def test_the_sign_up_page_and_the_api_share_one_limit(client, settings):
    settings.API_REGISTER_RATE = "2/hour"
    [register(n, **meta(ATTACKER)) for n in range(2)]
    assert signup_page(client, 5, **meta(ATTACKER)).status_code == 429


# --- login lockout --------------------------------------------------------------------------------------------------

def page_login(client, username: str, password: str, remote: str = ATTACKER):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta(remote))


def token_login(username: str, password: str, remote: str = ATTACKER):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json", **meta(remote))


def test_after_many_wrong_passwords_on_the_login_page_the_right_one_is_refused(client):
    UserFactory(username="alice")
    [page_login(client, "alice", f"guess-{n}") for n in range(40)]
    response = page_login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("wardrobe:closet")).status_code == 302


def test_the_locked_out_login_page_says_why_and_how_to_get_back_in(client):
    UserFactory(username="alice")
    [page_login(client, "alice", f"guess-{n}") for n in range(10)]
    page = page_login(client, "alice", PASSWORD).content.decode()
    assert "Too many failed logins" in page and reverse("password_reset") in page


def test_a_locked_out_login_computes_no_password_hash(client):
    UserFactory(username="alice")
    [page_login(client, "alice", f"guess-{n}") for n in range(10)]
    CountingHasher.calls = 0
    [page_login(client, "alice", f"guess-{n}") for n in range(30)]
    page_login(client, "alice", PASSWORD)
    assert CountingHasher.calls == 0


def test_after_many_wrong_passwords_on_the_token_api_the_right_one_is_refused_with_the_reason():
    UserFactory(username="alice")
    [token_login("alice", f"guess-{n}") for n in range(40)]
    response = token_login("alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]


def test_a_locked_out_token_login_computes_no_password_hash():
    UserFactory(username="alice")
    [token_login("alice", f"guess-{n}") for n in range(10)]
    CountingHasher.calls = 0
    token_login("alice", PASSWORD)
    assert CountingHasher.calls == 0


def test_a_few_wrong_passwords_do_not_lock_the_account(client):
    UserFactory(username="alice")
    [page_login(client, "alice", f"guess-{n}") for n in range(3)]
    assert page_login(client, "alice", PASSWORD).status_code == 302


def test_failures_from_many_addresses_lock_the_account_everywhere(client):
    UserFactory(username="alice")
    [page_login(client, "alice", "wrong", remote=f"198.51.100.{n}") for n in range(10)]
    assert page_login(client, "alice", PASSWORD, remote="192.0.2.200").status_code == 429


def test_failures_against_many_accounts_lock_the_address(client):
    UserFactory(username="alice")
    [page_login(client, f"someone{n}", "wrong") for n in range(10)]
    assert page_login(client, "alice", PASSWORD).status_code == 429


def test_an_address_locked_by_others_failures_does_not_lock_the_account_elsewhere(client):
    UserFactory(username="alice")
    [page_login(client, f"someone{n}", "wrong") for n in range(10)]
    assert page_login(client, "alice", PASSWORD, remote="192.0.2.200").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, settings):
    UserFactory(username="alice")
    [page_login(client, "alice", "wrong") for n in range(10)]
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert page_login(client, "alice", PASSWORD).status_code == 302


def test_the_reset_command_unlocks_the_account(client):
    UserFactory(username="alice")
    [page_login(client, "alice", "wrong", remote=f"198.51.100.{n}") for n in range(10)]
    call_command("axes_reset_username", "alice")
    assert page_login(client, "alice", PASSWORD, remote="192.0.2.200").status_code == 302


def test_a_password_reset_through_the_mailed_link_unlocks_the_account(client, mailoutbox):
    import re

    alice = UserFactory(username="alice")
    [page_login(client, "alice", "wrong", remote=f"198.51.100.{n}") for n in range(10)]
    client.post(reverse("password_reset"), {"email": alice.email})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "reset-secret-2024!", "new_password2": "reset-secret-2024!"})
    assert page_login(client, "alice", "reset-secret-2024!", remote="192.0.2.200").status_code == 302
