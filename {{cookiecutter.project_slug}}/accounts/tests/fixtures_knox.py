"""How tests authenticate in knox mode: `Authorization: Token <knox token>`."""

from datetime import timedelta
from functools import partial

import pytest
from asgiref.sync import sync_to_async
from knox.models import AuthToken

from accounts.tests.live_sockets import header_http_session
from core.testing import header_login


@pytest.fixture
def ws_credentials():
    """Handshake headers that authenticate `user` with a fresh knox token."""

    async def credentials(user) -> list[tuple[str, str]]:
        _, token = await sync_to_async(AuthToken.objects.create)(user)
        return [("authorization", f"Token {token}")]

    return credentials


@pytest.fixture
def http_login():
    """Log in to a running server as its README tells a client to; returns handshake headers."""
    return partial(header_login, path="/api/auth/login/", field="token", keyword="Token")


@pytest.fixture
def expiring_credential():
    """A knox token for `user` that expires `seconds` from now (negative: already expired)."""

    async def credential(user, seconds: float) -> str:
        _, token = await sync_to_async(AuthToken.objects.create)(user, timedelta(seconds=seconds))
        return f"Token {token}"

    return credential


@pytest.fixture
def http_session():
    """http_session(host, username, password) -> HttpLogin: log in over HTTP, log out later."""
    return partial(header_http_session, path="/api/auth/login/", field="token", keyword="Token")


@pytest.fixture
def rejected_credentials():
    """Handshake and request headers that must not authenticate `user`, by kind."""

    async def token_of(user, *, seconds: float | None = None, logged_out: bool = False):
        expiry = None if seconds is None else timedelta(seconds=seconds)
        instance, token = await sync_to_async(AuthToken.objects.create)(user, expiry)
        if logged_out:
            await sync_to_async(instance.delete)()
        return [("authorization", f"Token {token}")]

    async def fixed(headers):
        return headers

    return {
        "malformed": lambda user: fixed([("authorization", "Token")]),
        "wrong keyword": lambda user: fixed([("authorization", f"Bearer {'0' * 64}")]),
        "wrong": lambda user: fixed([("authorization", f"Token {'0' * 64}")]),
        "expired": partial(token_of, seconds=-1),
        "logged out": partial(token_of, logged_out=True),
    }
