"""How tests authenticate in DRF token mode: `Authorization: Token <key>`."""

from functools import partial

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.live_sockets import header_http_session
from core.testing import header_login


@pytest.fixture
def ws_credentials():
    """Handshake headers that authenticate `user`."""

    async def credentials(user) -> list[tuple[str, str]]:
        token, _ = await Token.objects.aget_or_create(user=user)
        return [("authorization", f"Token {token.key}")]

    return credentials


@pytest.fixture
def http_login():
    """Log in to a running server as its README tells a client to; returns handshake headers."""
    return partial(header_login, path="/api/auth/token/", field="token", keyword="Token")


@pytest.fixture
def http_session():
    """http_session(host, username, password) -> HttpLogin: log in over HTTP, log out later."""
    return partial(header_http_session, path="/api/auth/token/", field="token", keyword="Token")


@pytest.fixture
def rejected_credentials():
    """Handshake and request headers that must not authenticate `user`, by kind."""

    async def logged_out(user):
        token, _ = await Token.objects.aget_or_create(user=user)
        await token.adelete()
        return [("authorization", f"Token {token.key}")]

    async def fixed(headers):
        return headers

    return {
        "malformed": lambda user: fixed([("authorization", "Token")]),
        "wrong keyword": lambda user: fixed([("authorization", f"Bearer {'0' * 40}")]),
        "wrong": lambda user: fixed([("authorization", f"Token {'0' * 40}")]),
        "logged out": logged_out,
    }
