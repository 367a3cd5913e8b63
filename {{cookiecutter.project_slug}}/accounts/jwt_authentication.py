"""simplejwt's authentication, refusing the access tokens of credentials that have ended.

A module of its own, which the settings name: accounts/auth_jwt.py imports DRF's views, which
read the settings' authentication classes as they load.
"""

import logging
from datetime import timedelta

from django.core.cache import cache
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

logger = logging.getLogger(__name__)

# The user's credentials_version when the login was made (users/models.py): copied into every
# access token the login's refresh token mints.
CREDENTIALS_CLAIM = "cv"
# Names the login a token comes from: simplejwt copies it from the refresh token into every
# access token and keeps it when it rotates the refresh token.
LOGIN_CLAIM = "sid"


def ended_login_key(login_id: str) -> str:
    return f"jwt-ended-login:{login_id}"


def end_login(login_id: str) -> None:
    """Refuse the access tokens of that login from now on, in every process.

    Kept in the cache (Redis with the Redis layer) for as long as an access token lives: a
    signed token cannot be taken back, and the database holds no access token to mark. Should
    the cache fail, the logout stands (its refresh token is blacklisted and its sockets close)
    and the failure is logged: the login's access tokens then live out their few minutes.
    """
    leeway = api_settings.LEEWAY  # seconds, or a timedelta
    seconds = api_settings.ACCESS_TOKEN_LIFETIME.total_seconds() + (
        leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
    )
    try:
        cache.set(ended_login_key(login_id), True, timeout=seconds)
    except Exception:
        logger.warning("could not record a logout; its access tokens live on", exc_info=True)


def login_ended(login_id: str) -> bool:
    """Whether that login logged out. Should the cache fail, no (as before a logout could end
    access tokens), logged: refusing every access token would sign everybody out."""
    try:
        return cache.get(ended_login_key(login_id)) is not None
    except Exception:
        logger.warning("could not check a login against logouts", exc_info=True)
        return False


# Every credential of the user ended since the token was issued (users/credentials.py).
CREDENTIALS_ENDED = (
    "Your sign-ins ended since this token was issued (a sign-out everywhere, a new password): "
    "log in again."
)


class CurrentCredentialsJWTAuthentication(JWTAuthentication):
    """An access token issued before every credential of the user ended (a password change, a
    sign-out everywhere), or by a login that logged out since, is refused at once (401), on
    REST and at a socket's handshake, not when it expires, with simplejwt's code for a token
    that is no good (`token_not_valid`), which clients key on. No query more: simplejwt reads
    the user anyway; a logout is a cache lookup."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(CREDENTIALS_CLAIM, 0) != user.credentials_version:
            raise InvalidToken(CREDENTIALS_ENDED)
        login_id = validated_token.get(LOGIN_CLAIM)
        if login_id is not None and login_ended(login_id):
            raise InvalidToken("This token's login logged out: log in again.")
        return user


class CurrentCredentialsJWTScheme(SimpleJWTScheme):
    """The API schema's security scheme for it: simplejwt's bearer token (defining the class
    registers it with drf-spectacular)."""

    target_class = CurrentCredentialsJWTAuthentication
