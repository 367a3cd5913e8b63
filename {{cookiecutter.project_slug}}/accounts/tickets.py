"""Single-use WebSocket tickets, for clients that cannot set headers on a handshake (browsers).

The client trades its credential for a ticket over REST and connects with
`?ticket=<ticket>`: the ticket is worthless after one use or a few seconds, so
nothing long-lived reaches URLs or access logs. A ticket is worthless too once the credential
it was traded for has ended (a logout, a password change): its socket would be opened after
the revocation that closes the others.
"""

import hashlib
import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.request_fields import TakesNoFields

from . import revocation
from .identity import SocketIdentity


def _cache_key(ticket: str) -> str:
    # Only a digest is stored, so a dump of the cache holds no usable ticket.
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def issue_ticket(identity: SocketIdentity, authenticated_at: float | None = None) -> str:
    """A ticket that opens one socket as `identity`, within CHAT_WS_TICKET_TTL_SECONDS;
    `authenticated_at`: when the credential was found good (by default, now)."""
    ticket = secrets.token_urlsafe(32)
    now = revocation.clock.now()
    claim = {
        "user_id": identity.user.pk,
        "expires_at": identity.expires_at,
        "credential_id": identity.credential_id,
        "authenticated_at": now if authenticated_at is None else authenticated_at,
        "valid_until": now + settings.CHAT_WS_TICKET_TTL_SECONDS,
    }
    # The cache drops it soon after; `valid_until` is what decides.
    cache.set(_cache_key(ticket), claim, timeout=settings.CHAT_WS_TICKET_TTL_SECONDS + 5)
    return ticket


async def redeem_ticket(ticket: str) -> SocketIdentity | None:
    key = _cache_key(ticket)
    claim = await cache.aget(key)
    if claim is None:
        return None
    now = revocation.clock.now()
    expires_at = claim["expires_at"]
    if claim["valid_until"] <= now or (expires_at is not None and expires_at <= now):
        return None
    user_id, credential_id = claim["user_id"], claim["credential_id"]
    if await revocation.ended_since(user_id, credential_id, claim["authenticated_at"]):
        return None
    # A database or Redis out of reach until here raises, and the handshake is closed 1013
    # (try again later): the ticket, not used, is still good for that.
    user = await get_user_model().objects.filter(pk=user_id, is_active=True).afirst()
    # Two handshakes racing with one ticket: only the one whose delete succeeds gets in.
    if user is None or not await cache.adelete(key):
        return None
    return SocketIdentity(user, expires_at, credential_id, checked_at=claim["authenticated_at"])


class TicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField(help_text="seconds the ticket stays valid")


class WebSocketTicketView(TakesNoFields):
    """Trade the request's credential for a single-use ticket: connect with `?ticket=<ticket>`."""

    # Set by as_view(): who the request is, and the credential it authenticated with.
    identity_of: Callable[[Request], SocketIdentity] | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        # Before the credential is checked: a revocation that commits between the check and
        # the ticket's issue still refuses the ticket.
        self.authenticated_at = revocation.clock.now()
        super().initial(request, *args, **kwargs)

    @extend_schema(request=None, responses={201: TicketSerializer})
    def post(self, request: Request) -> Response:
        ticket = issue_ticket(self.identity_of(request), self.authenticated_at)
        data = {"ticket": ticket, "expires_in": settings.CHAT_WS_TICKET_TTL_SECONDS}
        return Response(TicketSerializer(data).data, status=status.HTTP_201_CREATED)
