"""DRF's token authentication, the token and its user looked up by a statement compiled once.

A module of its own, which the settings name: accounts/auth_token.py imports DRF's views, which
read the settings' authentication classes as they load.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core.precompiled import Precompiled

# Every request and every socket's handshake looks its token up: compiled once
# (core/precompiled.py).
TOKEN_AND_USER = Precompiled(
    Token, lambda key: Token.objects.select_related("user").filter(key=key), key=str
)


def token_for(key: str) -> Token | None:
    """The token with this key, its user loaded, or None."""
    found = TOKEN_AND_USER.run(key=key, limit=1)
    return found[0] if found else None


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's, answering as DRF's does."""

    def authenticate_credentials(self, key: str):
        token = token_for(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
