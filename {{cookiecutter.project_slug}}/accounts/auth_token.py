"""DRF token auth mode: `Authorization: Token <key>` on REST and on WebSocket handshakes.

Browsers, which cannot set handshake headers, connect with a ticket from ws-ticket/.
Deleting the token (logout, the admin, a password change) closes every socket opened with it,
with 4401.
"""

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.request_fields import TakesNoFields
from users.credentials import lock_unended

from .identity import SocketIdentity
from .revocation import close_sockets, credential_digest, credentials_ended
from .serializers import LoginSerializer
from .throttles import LOGIN_THROTTLES
from .tickets import WebSocketTicketView
from .token_authentication import token_for
from .websocket_auth import CredentialAuthMiddleware


@database_sync_to_async
def resolve_token(key: str) -> SocketIdentity | None:
    token = token_for(key)
    if token is None or not token.user.is_active:
        return None
    return token_identity(token)


def token_identity(token: Token) -> SocketIdentity:
    # DRF tokens never expire.
    return SocketIdentity(token.user, expires_at=None, credential_id=credential_digest(token.key))


@receiver(post_delete, sender=Token)
def close_the_sockets_of_a_deleted_token(sender, instance: Token, **kwargs) -> None:
    close_sockets(instance.user_id, credential_digest(instance.key))


@receiver(credentials_ended)
def delete_the_token_of_the_user(sender, user, **kwargs) -> None:
    # A password change logs the user out everywhere: the next login makes a new token.
    Token.objects.filter(user=user).delete()


def websocket_auth_middleware(inner):
    return CredentialAuthMiddleware(inner, keyword="Token", resolve=resolve_token)


class ObtainTokenView(APIView):
    """Exchange username and password for the user's token (the same token on every call)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        request=LoginSerializer,
        responses=inline_serializer("AuthToken", {"token": serializers.CharField()}),
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        with transaction.atomic():
            lock_unended(user)
            token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class LogoutView(TakesNoFields):
    """Delete the token: every client using it is out, and its open sockets are closed."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("token/", ObtainTokenView.as_view(), name="token"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path(
        "ws-ticket/",
        WebSocketTicketView.as_view(identity_of=lambda request: token_identity(request.auth)),
        name="ws-ticket",
    ),
]
