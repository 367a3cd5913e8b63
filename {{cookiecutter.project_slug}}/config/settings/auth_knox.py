"""Knox auth: one token per login, stored hashed, expiring after a TTL.

https://jazzband.github.io/django-rest-knox/settings/
"""

from datetime import timedelta

from .environment import env

AUTH_MODE_APPS = ["knox"]
AUTH_MODE_REST_AUTHENTICATION_CLASSES = ["knox.auth.TokenAuthentication"]

REST_KNOX = {
    # A stolen token stops working after this long; clients log in again or re-authenticate.
    "TOKEN_TTL": timedelta(seconds=env.int("KNOX_TOKEN_TTL_SECONDS", default=10 * 60 * 60)),
    # Caps the tokens (devices) one user can hold at once; a login past it ends the oldest.
    "TOKEN_LIMIT_PER_USER": env.int("KNOX_TOKEN_LIMIT_PER_USER", default=20),
    "AUTO_REFRESH": False,
    # Login answers with the user as well as the token.
    "USER_SERIALIZER": "accounts.serializers.UserSerializer",
}

# The web client's module for this auth mode (webclient/static/).
WEBCLIENT_AUTH_MODULE = "webclient/auth/knox.js"
