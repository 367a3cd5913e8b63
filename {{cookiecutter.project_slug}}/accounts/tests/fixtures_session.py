"""How tests authenticate in session mode: the session cookie, after a CSRF-protected login."""

from functools import partial

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts.tests.live_sockets import HttpLogin
from core.testing import HttpClient


@pytest.fixture
def ws_credentials():
    """Handshake headers that authenticate `user` (a real session, as after a login)."""

    async def credentials(user) -> list[tuple[str, str]]:
        client = Client()
        await sync_to_async(client.force_login)(user)
        session_id = client.cookies[settings.SESSION_COOKIE_NAME].value
        return [("cookie", f"{settings.SESSION_COOKIE_NAME}={session_id}")]

    return credentials


@pytest.fixture
def http_login():
    """Log in to a running server as its README tells a client to; returns handshake headers."""

    def login(host: str, username: str, password: str) -> list[tuple[str, str]]:
        client = HttpClient(f"http://{host}")
        status, _ = client.request("GET", "/api/auth/csrf/")
        assert status == 200
        csrf = client.cookie(settings.CSRF_COOKIE_NAME)
        credentials = {"username": username, "password": password}
        status, body = client.request(
            "POST", "/api/auth/login/", credentials, headers={"X-CSRFToken": csrf}
        )
        assert status == 200, body
        session_id = client.cookie(settings.SESSION_COOKIE_NAME)
        return [("Cookie", f"{settings.SESSION_COOKIE_NAME}={session_id}")]

    return login


@pytest.fixture
def http_session():
    """http_session(host, username, password) -> HttpLogin: log in over HTTP, log out later."""

    def login(host: str, username: str, password: str) -> HttpLogin:
        client = HttpClient(f"http://{host}")
        assert client.request("GET", "/api/auth/csrf/")[0] == 200
        credentials = {"username": username, "password": password}
        csrf = {"X-CSRFToken": client.cookie(settings.CSRF_COOKIE_NAME)}
        status, body = client.request("POST", "/api/auth/login/", credentials, headers=csrf)
        assert status == 200, body
        # The login rotated the CSRF token.
        csrf_token = client.cookie(settings.CSRF_COOKIE_NAME)
        cookies = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookie(settings.SESSION_COOKIE_NAME)}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf_token}"
        )

        def post(path: str, host: str) -> int:
            headers = {"Cookie": cookies, "X-CSRFToken": csrf_token}
            return HttpClient(f"http://{host}").request("POST", path, headers=headers)[0]

        return HttpLogin(
            [("Cookie", cookies)],
            logout=partial(post, "/api/auth/logout/"),
            logout_everywhere=partial(post, "/api/auth/logoutall/"),
        )

    return login


@pytest.fixture
def rejected_credentials():
    """Handshake and request headers that must not authenticate `user`, by kind."""

    async def session_cookie(user, *, expired: bool = False, logged_out: bool = False):
        client = Client()
        await sync_to_async(client.force_login)(user)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        if expired:
            session = SessionStore(key)
            await sync_to_async(session.set_expiry)(-60)
            await sync_to_async(session.save)()
        if logged_out:
            await sync_to_async(client.logout)()
        return [("cookie", f"{settings.SESSION_COOKIE_NAME}={key}")]

    async def malformed(user):
        return [("cookie", f"{settings.SESSION_COOKIE_NAME}=%%%; =")]

    async def wrong(user):
        return [("cookie", f"{settings.SESSION_COOKIE_NAME}={'x' * 32}")]

    return {
        "malformed": malformed,
        "wrong": wrong,
        "expired": partial(session_cookie, expired=True),
        "logged out": partial(session_cookie, logged_out=True),
    }
