"""Ending the sockets of a credential when it ends: logout, password change, deactivation.

Each socket knows the credential it was opened with by an identifier (never the
credential itself, which would then travel through the channel layer): a digest of the
session key, DRF token or knox token, or the `sid` claim a JWT login shares with every
token refreshed from it. When a credential ends, its sockets, in every process, close
with 4401; when the user's password changes, or the user is deactivated or deleted,
every socket of the user does.

A socket whose handshake checked the credential before it ended, but that reached the hub only
after the revocation went by, would miss it, and stay open for good: each end is remembered
for a while (ended_since), and such a socket, like a ticket traded before the end, is refused.
"""

import hashlib
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal

from chat.realtime.hub import get_hub
from chat.realtime.publish import publish_revocation_sync
from core.after_commit import after_commit
from core.outages import OUTAGES

from .clock import Clock

# Sent (with `user`) when every credential of a user must end: their password changed, they
# were deactivated, or they signed out everywhere (users/credentials.py). Each auth mode's module
# ends what it issued; a session ends by itself, as it holds a hash of the password and the
# credentials version (users/models.py) and inactive users are refused. Without it, a socket
# closed by a password change reopened with the same token.
credentials_ended = Signal()
# What credential ends are dated by, and tickets and handshakes compared with; tests hand in a
# clock they move by hand.
clock = Clock()
# How long an end is remembered beyond the life of a ticket: longer than any handshake takes.
HANDSHAKE_SECONDS = 60


def credential_digest(secret: str) -> str:
    """The identifier of a credential whose secret is `secret`."""
    return hashlib.sha256(secret.encode()).hexdigest()


def close_sockets(user_id: int, credential_id: str | None = None) -> None:
    """Once the current transaction commits, close the user's sockets opened with that
    credential (None: every socket of the user), in every server process, and remember the
    end (ended_since).

    A channel layer that cannot be reached must not fail the logout it follows: the
    failure is logged, and those sockets on other processes stay open until delivery
    resumes, when each process closes the sockets of users whose credentials all ended
    (chat/realtime/layer_watch.py); one logout's alone stay open until they expire.
    """
    after_commit(remember_the_end, user_id, credential_id)
    after_commit(announce_the_end, user_id, credential_id)


def announce_the_end(user_id: int, credential_id: str | None) -> None:
    publish_revocation_sync(user_id, credential_id, clock.now())


async def hub_listening() -> None:
    """Have this process's hub listen for the ends of credentials before a handshake checks its
    own: the hub then answers whether it ended meanwhile (Hub.ended_since), where a hub started
    later could not, and each of a storm of first handshakes asked the shared marks instead (a
    round trip through a thread each: 680 connects/s fell to 360). A layer out of reach is the
    consumer's to answer (1013)."""
    with suppress(*OUTAGES):
        await get_hub().start()


def _ended_key(user_id: int, credential_id: str | None) -> str:
    return f"credential-ended:{user_id}:{credential_id or '*'}"


def remember_the_end(user_id: int, credential_id: str | None) -> None:
    remembered = settings.CHAT_WS_TICKET_TTL_SECONDS + HANDSHAKE_SECONDS
    cache.set(_ended_key(user_id, credential_id), clock.now(), timeout=remembered)


async def ended_since(user_id: int, credential_id: str | None, moment: float) -> bool:
    """Whether the credential, or every credential of the user, ended at `moment` or after: what
    was checked at `moment` (a ticket traded, a handshake) is no longer good."""
    ended = await cache.aget_many([_ended_key(user_id, None), _ended_key(user_id, credential_id)])
    return any(moment <= at for at in ended.values())
