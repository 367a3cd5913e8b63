"""Ending the sockets of a credential when it ends: logout, password change, deactivation.

Each socket knows the credential it was opened with by an identifier (never the
credential itself, which would then travel through the channel layer): a digest of the
session key, DRF token or knox token, or the `sid` claim a JWT login shares with every
token refreshed from it. When a credential ends, its sockets, in every process, close
with 4401; when the user's password changes, or the user is deactivated or deleted,
every socket of the user does.
"""

import hashlib

from django.dispatch import Signal

from chat.realtime.publish import publish_revocation_sync
from core.after_commit import after_commit

# Sent (with `user`) when every credential of a user must end: their password changed, or they
# were deactivated. Each auth mode's module ends what it issued; a session ends by itself, as
# it holds a hash of the password (Django's get_session_auth_hash) and inactive users are
# refused. Without it, a socket closed by a password change reopened with the same token.
credentials_ended = Signal()
# Sent once a credential has ended (when its transaction commits), with `user_id` and
# `credential_id` (None: every credential of the user): what was handed out with it, and is
# not a socket yet, lets go too (accounts/tickets.py refuses its tickets).
credential_revoked = Signal()


def credential_digest(secret: str) -> str:
    """The identifier of a credential whose secret is `secret`."""
    return hashlib.sha256(secret.encode()).hexdigest()


def close_sockets(user_id: int, credential_id: str | None = None) -> None:
    """Once the current transaction commits, close the user's sockets opened with that
    credential (None: every socket of the user), in every server process, and send
    credential_revoked.

    A channel layer that cannot be reached must not fail the logout it follows: the
    failure is logged, and those sockets stay open until their credential expires.
    """
    after_commit(credential_revoked.send, None, user_id=user_id, credential_id=credential_id)
    after_commit(publish_revocation_sync, user_id, credential_id)
