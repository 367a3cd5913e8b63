"""Password guessing: throttled by address (which a client cannot forge) and by account,
on the API's login and the admin's, counting failed logins only; oversized passwords refused
before any hashing."""

import asyncio
import json
import threading

import pytest
from channels.testing import HttpCommunicator
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client

from accounts.tests.login import LOGIN_PATH, log_in
from accounts.tests.throttling import use_production_throttle_rates
from accounts.throttles import LoginAccountThrottle

pytestmark = pytest.mark.django_db

# A wrong password is refused with 400 (401 by simplejwt); a throttled attempt with 429.
REFUSED = {400, 401}
HOST = [(b"host", b"testserver")]  # requests sent to the ASGI application itself


@pytest.fixture
def limits(settings) -> dict[str, int]:
    """The production rates, counted from zero: attempts allowed per scope."""
    use_production_throttle_rates(settings)
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    return {scope: int(rate.split("/")[0]) for scope, rate in rates.items()}


def test_a_forged_forwarded_for_gets_no_more_attempts(api_client, limits):
    answers = [
        log_in(api_client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(limits["auth"])
    ]
    assert {answer.status_code for answer in answers} <= REFUSED
    forged = log_in(api_client, "guess", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert forged.status_code == 429
    assert int(forged["Retry-After"]) > 0


def test_registration_counts_against_the_same_address(api_client, limits, password):
    for n in range(limits["auth"] - 1):
        assert log_in(api_client, f"guess{n}", "wrong").status_code in REFUSED
    new = {"username": "newcomer", "password": password}
    assert api_client.post("/api/auth/register/", new, format="json").status_code == 201
    again = {"username": "another", "password": password}
    assert api_client.post("/api/auth/register/", again, format="json").status_code == 429


def test_one_account_is_limited_from_every_address(api_client, user, password, limits):
    for n in range(limits["auth_account"]):
        address = f"10.0.{n // 250}.{n % 250 + 1}"
        answer = log_in(api_client, "alice" if n % 2 else "ALICE", "wrong", REMOTE_ADDR=address)
        assert answer.status_code in REFUSED
    # The right password, from a fresh address: the account's attempts are used up.
    assert log_in(api_client, "alice", password, REMOTE_ADDR="10.9.9.9").status_code == 429
    # Other accounts are not held up.
    assert log_in(api_client, "bob", "wrong", REMOTE_ADDR="10.9.9.9").status_code in REFUSED


def test_only_failed_logins_count_against_the_account(api_client, user, password, limits):
    """Signing in again and again (a tab each) is not guessing: the owner is never held up by
    their own successes."""
    for n in range(limits["auth_account"] + 1):
        address = f"10.2.{n // 250}.{n % 250 + 1}"
        assert log_in(api_client, "alice", password, REMOTE_ADDR=address).status_code == 200
    for n in range(limits["auth_account"]):
        assert log_in(api_client, "alice", "wrong", REMOTE_ADDR=f"10.3.0.{n + 1}").status_code in (
            REFUSED
        )
    assert log_in(api_client, "alice", password, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_guesses_sent_at_once_cannot_all_pass_the_account_check(rf, limits):
    """Each attempt takes its place in the count before its password is hashed: while the
    first ones are still being checked, the one past the limit is already refused."""
    throttle = LoginAccountThrottle()
    in_flight = [rf.post("/", {"username": "alice"}) for _ in range(limits["auth_account"] + 1)]
    allowed = [throttle.allow_request(request, None) for request in in_flight]
    assert allowed == [True] * limits["auth_account"] + [False]
    assert throttle.wait() > 0


def test_a_username_padded_or_in_other_forms_shares_the_account_count(
    api_client, user, password, limits
):
    # Each of these reaches alice's account, or is refused as no account: none is a fresh count.
    fullwidth = "".join(chr(ord(letter) + 0xFEE0) for letter in "alice")
    variants = [" alice", "alice ", "\talice", "alice\n", fullwidth, "ALICE ", "AL\u0130CE"]
    for n in range(limits["auth_account"]):
        address = f"10.1.{n // 250}.{n % 250 + 1}"
        answer = log_in(api_client, variants[n % len(variants)], "wrong", REMOTE_ADDR=address)
        assert answer.status_code in REFUSED
    for variant in [" alice ", "alice", *variants]:
        assert log_in(api_client, variant, password, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_a_team_behind_one_address_signs_in_and_its_guessers_are_still_held_up(
    api_client, make_user, password, limits
):
    """One NAT address: more people than the address's limit sign in, and nobody is held up;
    the failed logins from it are counted as before, and stop it (the right password too)."""
    team = [make_user(f"member{n}") for n in range(limits["auth"] + 1)]
    for member in team:
        assert log_in(api_client, member.username, password).status_code == 200
    for n in range(limits["auth"]):
        assert log_in(api_client, team[n].username, "wrong").status_code in REFUSED
    assert log_in(api_client, team[0].username, password).status_code == 429


def test_a_flood_of_logins_refused_at_their_address_does_not_wipe_an_accounts_count(
    api_client, user, password, limits
):
    """Each refused attempt named a new username, and each made a count: enough of them pushed
    the counts out of a per-process cache, the guessed account's among them, and guessing
    began again. A login refused at its address counts against no username."""
    for n in range(limits["auth_account"]):
        assert log_in(api_client, "alice", "wrong", REMOTE_ADDR=f"10.4.0.{n + 1}").status_code in (
            REFUSED
        )
    flooder = "10.5.0.1"
    for n in range(limits["auth"]):
        assert log_in(api_client, f"junk{n}", "wrong", REMOTE_ADDR=flooder).status_code in REFUSED
    for n in range(400):
        assert log_in(api_client, f"flood{n}", "wrong", REMOTE_ADDR=flooder).status_code == 429
    assert log_in(api_client, "alice", password, REMOTE_ADDR="10.9.9.9").status_code == 429


def test_an_ipv6_client_is_counted_by_its_network(api_client, limits):
    """One machine, or one home, holds a whole /64: each of its addresses is no new client."""
    for n in range(limits["auth"]):
        address = f"2001:db8:0:1::{n + 1:x}"
        assert log_in(api_client, f"guess{n}", "wrong", REMOTE_ADDR=address).status_code in REFUSED
    assert log_in(api_client, "guess", "wrong", REMOTE_ADDR="2001:db8:0:1::ffff").status_code == 429
    other = log_in(api_client, "guess", "wrong", REMOTE_ADDR="2001:db8:0:2::1")
    assert other.status_code in REFUSED


def test_the_admin_login_is_throttled_too(make_user, password, limits):
    make_user("root", is_staff=True, is_superuser=True)
    browser = Client()
    for n in range(limits["auth"]):
        answer = browser.post("/admin/login/", {"username": f"guess{n}", "password": "wrong"})
        assert answer.status_code == 200  # the form again, with its error
    right = browser.post("/admin/login/", {"username": "root", "password": password})
    assert right.status_code == 429
    assert int(right["Retry-After"]) > 0
    assert settings.SESSION_COOKIE_NAME not in browser.cookies
    assert browser.get("/admin/login/").status_code == 200  # only attempts are counted


@pytest.fixture
def hashings(monkeypatch) -> list[str]:
    """Every password the hasher of the test settings hashes (checking one hashes it too)."""
    seen = []
    encode = MD5PasswordHasher.encode

    def counted_encode(self, password, salt):
        seen.append(password)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    return seen


def test_an_oversized_password_is_refused_before_any_hashing(api_client, user, hashings):
    longest = "x" * settings.PASSWORD_MAX_LENGTH
    oversized = longest + "x"
    login = log_in(api_client, user.username, oversized)
    assert (login.status_code, list(login.data)) == (400, ["password"])
    register = {"username": "newcomer", "password": oversized}
    answer = api_client.post("/api/auth/register/", register, format="json")
    assert (answer.status_code, list(answer.data)) == (400, ["password"])
    assert hashings == []
    # The longest password allowed is hashed as any other.
    assert log_in(api_client, user.username, longest).status_code in REFUSED
    assert hashings == [longest]


def test_an_oversized_username_is_refused_before_any_lookup(api_client, hashings):
    answer = log_in(api_client, "u" * 10_000, "wrong")
    assert (answer.status_code, list(answer.data)) == (400, ["username"])
    assert hashings == []


@pytest.mark.django_db(transaction=True)
async def test_a_login_being_hashed_holds_up_no_other_request(user, password, monkeypatch):
    """Django runs each request's sync view in a thread of its own (and hashing releases the
    GIL): a login busy hashing leaves every other request free to run meanwhile."""
    from config.asgi import application

    hashing, release = threading.Event(), threading.Event()
    encode = MD5PasswordHasher.encode

    def slow_encode(self, password, salt):
        hashing.set()
        release.wait(timeout=30)
        return encode(self, password, salt)

    monkeypatch.setattr(MD5PasswordHasher, "encode", slow_encode)
    csrf = "a" * 32  # session mode's login checks CSRF: a cookie and the same header
    body = json.dumps({"username": user.username, "password": password}).encode()
    login = HttpCommunicator(
        application,
        "POST",
        LOGIN_PATH,
        body=body,
        headers=[
            *HOST,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", f"{settings.CSRF_COOKIE_NAME}={csrf}".encode()),
            (b"x-csrftoken", csrf.encode()),
        ],
    )
    logging_in = asyncio.create_task(login.get_response(timeout=30))
    try:
        assert await asyncio.to_thread(hashing.wait, 10)
        health = HttpCommunicator(application, "GET", "/healthz/", headers=HOST)
        assert (await health.get_response(timeout=10))["status"] == 200
        assert not logging_in.done()
    finally:
        release.set()
    assert (await logging_in)["status"] == 200
