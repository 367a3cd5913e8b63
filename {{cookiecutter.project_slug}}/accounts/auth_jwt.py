"""JWT auth mode (simplejwt): `Authorization: Bearer <access>` on REST and WebSocket handshakes.

Access tokens are short-lived: a socket closes with 4401 when its access token
expires, unless the client sent a fresh one in-band first
({"type": "auth.refresh", "token": "<new access token>"}).
"""

from channels.db import database_sync_to_async
from django.urls import path
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from .identity import SocketIdentity
from .serializers import login_username_field, password_field
from .throttles import LOGIN_THROTTLES
from .tickets import WebSocketTicketView
from .websocket_auth import CredentialAuthMiddleware


@database_sync_to_async
def resolve_access_token(raw: str) -> SocketIdentity | None:
    authentication = JWTAuthentication()
    try:
        token = authentication.get_validated_token(raw.encode())
        user = authentication.get_user(token)  # refuses deleted and inactive users
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None
    return SocketIdentity(user, expires_at=float(token["exp"]))


def websocket_auth_middleware(inner):
    return CredentialAuthMiddleware(inner, keyword="Bearer", resolve=resolve_access_token)


def access_token_expiry(request: Request) -> float:
    return float(request.auth["exp"])


class LoginSerializer(TokenObtainPairSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Bounded like every login's fields: an oversized password is refused unhashed.
        self.fields[self.username_field] = login_username_field()
        self.fields["password"] = password_field()


class LoginView(TokenObtainPairView):
    """Exchange username and password for an access and a refresh token."""

    serializer_class = LoginSerializer
    throttle_classes = LOGIN_THROTTLES


urlpatterns = [
    path("token/", LoginView.as_view(), name="token"),
    path("token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("token/verify/", TokenVerifyView.as_view(), name="token-verify"),
    # Logout: blacklist the refresh token so it can never mint access tokens again.
    path("logout/", TokenBlacklistView.as_view(), name="logout"),
    path(
        "ws-ticket/",
        WebSocketTicketView.as_view(credential_expires_at=access_token_expiry),
        name="ws-ticket",
    ),
]
