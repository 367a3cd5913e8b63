"""Session auth mode: the session cookie authenticates REST calls (with CSRF) and WebSockets.

Browser flow: GET csrf/ (sets the csrftoken cookie), POST login/ with the
X-CSRFToken header, then open ws/chat/ from the same site: the browser sends
the session cookie with the handshake.

A socket closes with 4401 when its session expires or logs out (here, or in the admin).
"""

from importlib import import_module

from channels.auth import AuthMiddlewareStack
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, login, logout, user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.request_fields import TakesNoFields
from users.credentials import lock_unended

from . import revocation
from .revocation import close_sockets, credential_digest
from .serializers import LoginSerializer, UserSerializer
from .throttles import LOGIN_THROTTLES


class CheckedAt:
    """Dates the handshake's credential check, before the session is read: an end of the session
    from then on refuses the socket (accounts/revocation.py ended_since)."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        await revocation.hub_listening()
        scope = {**scope, "credential_checked_at": revocation.clock.now()}
        return await self.inner(scope, receive, send)


class SessionCredentialMiddleware:
    """Names the socket's session in its scope, for logout, and says when it expires."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        session = scope["session"]
        if scope["user"].is_authenticated and session.session_key:
            scope = {
                **scope,
                "credential_id": credential_digest(session.session_key),
                "credential_expires_at": await stored_expiry(session),
            }
        return await self.inner(scope, receive, send)


async def stored_expiry(session) -> float | None:
    """When the stored session expires: database-backed engines (the default) only; with
    other engines a socket outlives its session, until its logout."""
    if not hasattr(session, "get_model_class"):
        return None
    sessions = session.get_model_class().objects.filter(session_key=session.session_key)
    expires = await sessions.values_list("expire_date", flat=True).afirst()
    return expires.timestamp() if expires else None


def websocket_auth_middleware(inner):
    # Session cookie on the handshake; the Origin check in config/asgi.py stops cross-site sockets.
    return CheckedAt(AuthMiddlewareStack(SessionCredentialMiddleware(inner)))


def session_model():
    """The model the session engine keeps sessions in (the default engine's, and cached_db's),
    or None for an engine that keeps no rows (signed cookies, the cache)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store.get_model_class() if hasattr(store, "get_model_class") else None


def close_the_sockets_of_a_deleted_session(sender, instance, **kwargs) -> None:
    """However a session ends, its row is deleted: a logout; a login as someone else in its
    browser, here or in the admin (Django's login() then drops it with no logout signal); a
    password change (its key changes). Not clearsessions, which deletes expired sessions
    without the ORM (accounts/session_store.py): their sockets closed as they expired."""
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        user_id = get_user_model()._meta.pk.to_python(user_id)
        close_sockets(user_id, credential_digest(instance.session_key))


@receiver(user_logged_out)
def close_the_sockets_of_a_logout(sender, request, user, **kwargs) -> None:
    """Without rows (session_model() is None), the logout is all there is to go by."""
    # Sent before the session is flushed, so its key is still there.
    if session_model() is None and user is not None and request.session.session_key:
        close_sockets(user.pk, credential_digest(request.session.session_key))


if (stored_sessions := session_model()) is not None:
    post_delete.connect(close_the_sockets_of_a_deleted_session, sender=stored_sessions)


class CsrfView(APIView):
    """Set the CSRF cookie and return its token, for the X-CSRFToken header of later POSTs;
    and whether the browser's session is signed in (at the admin, say), which a page asks
    first."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "CsrfToken",
            {"csrfToken": serializers.CharField(), "signed_in": serializers.BooleanField()},
        )
    )
    def get(self, request: Request) -> Response:
        return Response(
            {"csrfToken": get_token(request), "signed_in": request.user.is_authenticated}
        )


class LoginView(APIView):
    """Log in with username and password; the response sets the session cookie."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(request=LoginSerializer, responses=UserSerializer)
    def post(self, request: Request) -> Response:
        # DRF checks CSRF only for already-authenticated sessions; login must be protected too
        # (login CSRF would sign the victim in as the attacker).
        SessionAuthentication().enforce_csrf(request)
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # Logged in as someone else in this browser, that session ends: its sockets close
        # (close_the_sockets_of_a_deleted_session).
        with transaction.atomic():
            lock_unended(user)
            login(request._request, user)
        return Response(UserSerializer(user).data)


class LogoutView(TakesNoFields):
    """End the session and close its sockets (the CSRF token is required, as for every
    authenticated POST)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("csrf/", ensure_csrf_cookie(CsrfView.as_view()), name="csrf"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]
