"""WebSocket authentication for the token-based modes (DRF token, Knox, JWT).

A handshake is authenticated, in this order, by:
1. an `Authorization: <keyword> <credential>` header (non-browser clients);
2. `?ticket=<ticket>` from POST /api/auth/ws-ticket/ (browsers);
3. `?token=<credential>`, only when CHAT_WS_ALLOW_QUERY_TOKEN is on (it leaks into logs).
Anything else leaves the user anonymous, and the consumer closes the socket with 4401.
"""

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from . import revocation
from .identity import SocketIdentity
from .tickets import redeem_ticket

CredentialResolver = Callable[[str], Awaitable[SocketIdentity | None]]
# Far longer than any credential of these modes (a JWT with its claims is under 1 KiB).
MAX_CREDENTIAL_LENGTH = 4096


def refusing_malformed(resolve: CredentialResolver) -> CredentialResolver:
    """`resolve`, but a credential that cannot be one (not printable ASCII, or huge) is refused
    without reaching it: every credential of these modes is printable ASCII, and a NUL or a
    lone surrogate would fail in the database or the token library instead of being refused."""

    async def resolve_well_formed(credential: str) -> SocketIdentity | None:
        if not (
            0 < len(credential) <= MAX_CREDENTIAL_LENGTH
            and credential.isascii()
            and credential.isprintable()
        ):
            return None
        return await resolve(credential)

    return resolve_well_formed


class CredentialAuthMiddleware:
    def __init__(self, inner, *, keyword: str, resolve: CredentialResolver):
        self.inner = inner
        self.keyword = keyword.lower()
        self.resolve = refusing_malformed(resolve)

    async def __call__(self, scope, receive, send):
        await revocation.hub_listening()
        checked_at = revocation.clock.now()  # before the check, as an end may come during it
        identity = await self.identify(scope)
        scope = {
            **scope,
            "user": identity.user if identity else AnonymousUser(),
            "credential_expires_at": identity.expires_at if identity else None,
            "credential_id": identity.credential_id if identity else None,
            "credential_checked_at": (
                identity.checked_at if identity and identity.checked_at is not None else checked_at
            ),
            # The consumer calls this for in-band re-authentication ({"type": "auth.refresh"}).
            "reauthenticate": self.resolve,
        }
        return await self.inner(scope, receive, send)

    async def identify(self, scope) -> SocketIdentity | None:
        header = dict(scope.get("headers", ())).get(b"authorization")
        if header is not None:
            keyword, _, credential = header.decode("latin-1").partition(" ")
            if keyword.lower() != self.keyword or not credential.strip():
                return None
            return await self.resolve(credential.strip())
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "ticket" in query:
            return await redeem_ticket(query["ticket"][0])
        if settings.CHAT_WS_ALLOW_QUERY_TOKEN and "token" in query:
            return await self.resolve(query["token"][0])
        return None
