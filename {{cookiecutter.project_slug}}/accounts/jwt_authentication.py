"""simplejwt's authentication, refusing the access tokens of credentials that have ended.

A module of its own, which the settings name: accounts/auth_jwt.py imports DRF's views, which
read the settings' authentication classes as they load.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication

# The user's credentials_version when the login was made (users/models.py): copied into every
# access token the login's refresh token mints.
CREDENTIALS_CLAIM = "cv"


class CurrentCredentialsJWTAuthentication(JWTAuthentication):
    """An access token issued before the user's password changed is refused at once (401), on
    REST and at a socket's handshake, not when it expires. No query more: simplejwt reads the
    user anyway."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(CREDENTIALS_CLAIM, 0) != user.credentials_version:
            raise AuthenticationFailed(
                "The password changed since this token was issued: log in again.",
                code="token_not_valid",
            )
        return user


class CurrentCredentialsJWTScheme(SimpleJWTScheme):
    """The API schema's security scheme for it: simplejwt's bearer token (defining the class
    registers it with drf-spectacular)."""

    target_class = CurrentCredentialsJWTAuthentication
