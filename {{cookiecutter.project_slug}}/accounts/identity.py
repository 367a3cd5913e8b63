from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class SocketIdentity:
    """Who a WebSocket belongs to, and the credential that proved it."""

    user: AbstractBaseUser
    # Unix time after which the socket must re-authenticate or be closed; None: never expires.
    expires_at: float | None
    # Identifies the credential, so that its sockets close when it ends (accounts/revocation.py);
    # None: only the user's password change, deactivation or deletion closes them.
    credential_id: str | None
    # When the credential was found good, where before the handshake (a ticket's trade): an end
    # of the credential from then on refuses the socket (accounts/revocation.py ended_since).
    checked_at: float | None = None
