"""How tests authenticate in JWT mode: `Authorization: Bearer <access token>`."""

from datetime import timedelta
from functools import partial

import pytest
from asgiref.sync import sync_to_async
from rest_framework_simplejwt.tokens import AccessToken

from accounts.auth_jwt import LoginSerializer, LogoutSerializer
from accounts.tests.live_sockets import HttpLogin, post_as
from core.testing import HttpClient, header_login


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


@pytest.fixture
def http_session():
    """http_session(host, username, password) -> HttpLogin: log in over HTTP, log out later."""

    def login(host: str, username: str, password: str) -> HttpLogin:
        credentials = {"username": username, "password": password}
        status, tokens = HttpClient(f"http://{host}").request(
            "POST", "/api/auth/token/", credentials
        )
        assert status == 200, tokens

        def logout(host: str) -> int:
            refresh = {"refresh": tokens["refresh"]}
            return HttpClient(f"http://{host}").request("POST", "/api/auth/logout/", refresh)[0]

        authorization = f"Bearer {tokens['access']}"
        return HttpLogin(
            [("Authorization", authorization)],
            logout=logout,
            logout_everywhere=partial(post_as, "/api/auth/logoutall/", authorization),
        )

    return login


@pytest.fixture
def rejected_credentials():
    """Handshake and request headers that must not authenticate `user`, by kind."""

    async def logged_out(user):
        return [("authorization", f"Bearer {await sync_to_async(logged_out_access)(user)}")]

    async def forged(user):
        header, payload, signature = str(AccessToken.for_user(user)).split(".")
        other_signature = signature[::-1] if signature != signature[::-1] else signature + "A"
        return [("authorization", f"Bearer {header}.{payload}.{other_signature}")]

    async def expired(user):
        token = AccessToken.for_user(user)
        token.set_exp(lifetime=timedelta(seconds=-1))
        return [("authorization", f"Bearer {token}")]

    async def fixed(headers):
        return headers

    return {
        "malformed": lambda user: fixed([("authorization", "Bearer not.a.jwt")]),
        "wrong keyword": lambda user: fixed([("authorization", f"Token {'0' * 40}")]),
        "wrong": forged,
        "expired": expired,
        "logged out": logged_out,
    }


def logged_out_access(user) -> str:
    """An access token of a login that then logged out, as a client logs out."""
    refresh = LoginSerializer.get_token(user)
    logout = LogoutSerializer(data={"refresh": str(refresh)})
    logout.is_valid(raise_exception=True)
    return str(refresh.access_token)
