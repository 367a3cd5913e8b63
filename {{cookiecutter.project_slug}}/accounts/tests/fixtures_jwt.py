"""How tests authenticate in JWT mode: `Authorization: Bearer <access token>`."""

from datetime import timedelta
from functools import partial

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from core.testing import header_login


@pytest.fixture
def ws_credentials():
    """Handshake headers that authenticate `user` with a fresh access token."""

    async def credentials(user) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {AccessToken.for_user(user)}")]

    return credentials


@pytest.fixture
def http_login():
    """Log in to a running server as its README tells a client to; returns handshake headers."""
    return partial(header_login, path="/api/auth/token/", field="access", keyword="Bearer")


@pytest.fixture
def expiring_credential():
    """An access token for `user` that expires `seconds` from now (negative: already expired)."""

    async def credential(user, seconds: float) -> str:
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=timedelta(seconds=seconds))
        return f"Bearer {token}"

    return credential
