"""Session auth: Django's session cookie on REST (with CSRF) and on the WebSocket handshake."""

AUTH_MODE_APPS: list[str] = []
AUTH_MODE_REST_AUTHENTICATION_CLASSES = [
    "accounts.session_authentication.SessionCookieAuthentication"
]

# The web client's module for this auth mode (webclient/static/).
WEBCLIENT_AUTH_MODULE = "webclient/auth/session.js"

# Django's database sessions, `clearsessions` deleting the expired ones in one statement.
SESSION_ENGINE = "accounts.session_store"
