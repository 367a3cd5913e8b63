"""How REST requests authenticate in the session mode: a module of its own, which the settings
name (DEFAULT_AUTHENTICATION_CLASSES): accounts/auth_session.py imports DRF's views, which read
the settings' authentication classes as they load."""

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class SessionCookieAuthentication(SessionAuthentication):
    """DRF's session authentication, answering a request without a live session 401, as the
    other modes do and the schema says, rather than 403: a client tells "sign in again" from
    "not allowed" by the status. A CSRF failure is still a 403."""

    def authenticate_header(self, request: Request) -> str:
        return "Session"


class SessionCookieScheme(SessionScheme):
    """The API schema's security scheme for it: DRF's session cookie (defining the class
    registers it with drf-spectacular)."""

    target_class = SessionCookieAuthentication
