"""How tests authenticate in DRF token mode: `Authorization: Token <key>`."""

from functools import partial

import pytest
from rest_framework.authtoken.models import Token

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
