from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class SocketIdentity:
    """Who a WebSocket belongs to, and until when the credential that proved it holds."""

    user: AbstractBaseUser
    # Unix time after which the socket must re-authenticate or be closed; None: never expires.
    expires_at: float | None
