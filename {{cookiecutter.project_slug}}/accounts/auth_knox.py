"""Knox auth mode: one expiring, hashed-at-rest token per login (`Authorization: Token <token>`).

Sockets close with 4401 when their token expires, unless the client sent a
fresh token in-band first ({"type": "auth.refresh", "token": "..."}), and when
their token is deleted (logout, logoutall, the admin, a password change).
"""

from channels.db import database_sync_to_async
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import permissions, serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response

from core.request_fields import TakesNoFields
from users.credentials import lock_unended

from .identity import SocketIdentity
from .revocation import close_sockets, credential_digest, credentials_ended
from .serializers import LoginSerializer, UserSerializer
from .throttles import LOGIN_THROTTLES
from .tickets import WebSocketTicketView
from .websocket_auth import CredentialAuthMiddleware


@database_sync_to_async
def resolve_knox_token(token: str) -> SocketIdentity | None:
    try:
        user, auth_token = TokenAuthentication().authenticate_credentials(token.encode())
    except AuthenticationFailed:
        return None
    return knox_identity(user, auth_token)


def knox_identity(user, auth_token: AuthToken) -> SocketIdentity:
    expiry = auth_token.expiry.timestamp() if auth_token.expiry else None
    # The digest is already a hash of the token; hashed again, it names the token nowhere else.
    return SocketIdentity(
        user, expires_at=expiry, credential_id=credential_digest(auth_token.digest)
    )


@receiver(post_delete, sender=AuthToken)
def close_the_sockets_of_a_deleted_token(sender, instance: AuthToken, **kwargs) -> None:
    close_sockets(instance.user_id, credential_digest(instance.digest))


@receiver(credentials_ended)
def delete_the_tokens_of_the_user(sender, user, **kwargs) -> None:
    # A password change, or signing out everywhere (logoutall), ends every login of the user.
    AuthToken.objects.filter(user=user).delete()


def websocket_auth_middleware(inner):
    return CredentialAuthMiddleware(inner, keyword="Token", resolve=resolve_knox_token)


class LoginView(knox_views.LoginView):
    """Exchange username and password for a new knox token (one per device or client)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(
        request=LoginSerializer,
        responses=inline_serializer(
            "KnoxToken",
            {
                "token": serializers.CharField(),
                "expiry": serializers.DateTimeField(),
                "user": UserSerializer(),
            },
        ),
    )
    def post(self, request: Request, format=None) -> Response:
        serializer = LoginSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        with transaction.atomic():
            # A user's logins take turns, so that two at once cannot both pass the limit.
            lock_unended(request.user)
            end_the_oldest_logins(request.user, keep=self.get_token_limit_per_user())
            return super().post(request, format=format)


def end_the_oldest_logins(user, keep: int | None) -> None:
    """Delete the user's oldest live tokens (their sockets close) until `keep` - 1 are left.

    Every sign-in is a token, a tab's included, and knox refuses a login past the limit: 20
    sign-ins within the token's lifetime would lock the user out until the oldest expired.
    The login that is one too many ends the oldest one instead, as signing in on a new device
    signs out the oldest one.
    """
    if keep is None:
        return
    live = AuthToken.objects.filter(Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True))
    oldest = live.filter(user=user).order_by("-created").values_list("pk", flat=True)[keep - 1 :]
    # Each deletion's post_delete closes that token's sockets.
    AuthToken.objects.filter(pk__in=list(oldest)).delete()


@extend_schema(request=None, responses={204: None})
class LogoutView(TakesNoFields, knox_views.LogoutView):
    """End the token this request authenticated with, and close its sockets."""


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path(
        "ws-ticket/",
        WebSocketTicketView.as_view(
            identity_of=lambda request: knox_identity(request.user, request.auth)
        ),
        name="ws-ticket",
    ),
]
