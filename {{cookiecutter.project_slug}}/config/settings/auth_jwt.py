"""JWT auth (simplejwt): short-lived access tokens, rotating refresh tokens.

https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html
"""

from datetime import timedelta

from .environment import env

AUTH_MODE_APPS = ["rest_framework_simplejwt.token_blacklist"]
AUTH_MODE_REST_AUTHENTICATION_CLASSES = [
    "accounts.jwt_authentication.CurrentCredentialsJWTAuthentication"
]

SIMPLE_JWT = {
    # Short access tokens limit what a leaked one is worth; sockets re-authenticate in-band.
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("JWT_ACCESS_TTL_SECONDS", default=5 * 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_TTL_DAYS", default=7)),
    # Each refresh returns a new refresh token and blacklists the old one (replay detection).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# The web client's module for this auth mode (webclient/static/).
WEBCLIENT_AUTH_MODULE = "webclient/auth/jwt.js"
