"""JWT auth mode (simplejwt): `Authorization: Bearer <access>` on REST and WebSocket handshakes.

Access tokens are short-lived: a socket closes with 4401 when its access token
expires, unless the client sent a fresh one in-band first
({"type": "auth.refresh", "token": "<new access token>"}).

Each login's tokens carry a `sid` claim naming the login: simplejwt copies it from the
refresh token into every access token and keeps it when it rotates the refresh token. A
refresh token is good for one refresh. Logout blacklists every refresh token of the login,
closes the sockets opened with that login's tokens, and its access tokens already issued
are refused from then on; a password change blacklists every
refresh token of the user, and refuses every access token already issued
(accounts/jwt_authentication.py). The verify endpoint answers as a request with the token would.
"""

import secrets
from functools import partial

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
    TokenVerifySerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import (
    BlacklistedToken,
    OutstandingToken,
)
from rest_framework_simplejwt.tokens import Token, UntypedToken
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from core.request_fields import TakesOnlyItsFields
from users.credentials import lock_unended

from .identity import SocketIdentity
from .jwt_authentication import (
    CREDENTIALS_CLAIM,
    CREDENTIALS_ENDED,
    LOGIN_CLAIM,
    CurrentCredentialsJWTAuthentication,
    end_login,
)
from .revocation import close_sockets, credentials_ended
from .serializers import login_username_field, password_field
from .throttles import LOGIN_THROTTLES
from .tickets import WebSocketTicketView
from .websocket_auth import CredentialAuthMiddleware


@database_sync_to_async
def resolve_access_token(raw: str) -> SocketIdentity | None:
    authentication = CurrentCredentialsJWTAuthentication()
    try:
        token = authentication.get_validated_token(raw.encode())
        user = authentication.get_user(token)  # refuses deleted and inactive users, old tokens
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None
    return access_token_identity(user, token)


def access_token_identity(user, token: Token) -> SocketIdentity:
    return SocketIdentity(
        user, expires_at=float(token["exp"]), credential_id=token.get(LOGIN_CLAIM)
    )


@receiver(credentials_ended)
def blacklist_the_refresh_tokens_of_the_user(sender, user, **kwargs) -> None:
    """A password change logs the user out everywhere: no refresh token mints access tokens
    again, and those already minted carry an older credentials version than the user's."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


def websocket_auth_middleware(inner):
    return CredentialAuthMiddleware(inner, keyword="Bearer", resolve=resolve_access_token)


def lock_user(user_id):
    """The user, locked until the transaction ends: a user's refreshes and logouts take turns,
    so that a logout finds every refresh token a refresh made before it, and a refresh after
    it finds its token blacklisted. None if the account is gone."""
    user_model = get_user_model()
    lookup = {api_settings.USER_ID_FIELD: user_id}
    return user_model.objects.select_for_update().filter(**lookup).first()


def blacklist_the_refresh_tokens_of_the_login(user_id, login_id: str) -> None:
    """Every refresh token of that login still live, should it have more than one (issued
    before each refresh token became good for one refresh only)."""
    live = OutstandingToken.objects.filter(
        user_id=user_id, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
    )
    of_the_login = [
        outstanding
        for outstanding in live
        if UntypedToken(outstanding.token, verify=False).get(LOGIN_CLAIM) == login_id
    ]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=outstanding) for outstanding in of_the_login],
        ignore_conflicts=True,
    )


class LogoutSerializer(TakesOnlyItsFields, TokenBlacklistSerializer):
    def validate(self, attrs: dict) -> dict:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh[api_settings.USER_ID_CLAIM]
        login_id = refresh.get(LOGIN_CLAIM)
        with transaction.atomic():
            lock_user(user_id)
            refresh.blacklist()
            if login_id is not None:
                blacklist_the_refresh_tokens_of_the_login(user_id, login_id)
                transaction.on_commit(partial(end_login, login_id))
            # A refresh token from before logins had a sid cannot tell its sockets: close them all.
            close_sockets(int(user_id), login_id)
        return {}


class LogoutView(TokenBlacklistView):
    """Blacklist the refresh token, so it never mints access tokens again, refuse the access
    tokens its login minted, and close the login's sockets."""

    serializer_class = LogoutSerializer


class LoginSerializer(TakesOnlyItsFields, TokenObtainPairSerializer):
    """Username and password for the token pair of a new login, with its `sid` and the user's
    credentials version."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Bounded like every login's fields: an oversized password is refused unhashed.
        self.fields[self.username_field] = login_username_field()
        self.fields["password"] = password_field()

    def validate(self, attrs: dict) -> dict:
        with transaction.atomic():
            tokens = super().validate(attrs)
            lock_unended(self.user)
            return tokens

    @classmethod
    def get_token(cls, user):
        refresh = super().get_token(user)
        refresh[LOGIN_CLAIM] = secrets.token_urlsafe(16)
        refresh[CREDENTIALS_CLAIM] = user.credentials_version
        return refresh


class RefreshSerializer(TakesOnlyItsFields, TokenRefreshSerializer):
    """simplejwt's rotation (ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION), with a refresh
    token good for one refresh only.

    simplejwt checks the blacklist, then blacklists the token and ignores whether it already
    was: two refreshes with one token at the same instant (a duplicated browser tab, a stolen
    token) both got a new refresh token, and a logout with one left the other's alive. Here
    the blacklisting is the claim, and its row is unique: the second refresh finds it made,
    and is refused (401). The refresh token of a deleted account is refused as an inactive
    one's is (401): simplejwt's get() let DoesNotExist out as a 500.
    """

    def validate(self, attrs: dict) -> dict:
        refresh = self.token_class(attrs["refresh"])  # its signature and expiry; not blacklisted
        with transaction.atomic():
            user = lock_user(refresh[api_settings.USER_ID_CLAIM])
            if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
                raise AuthenticationFailed(
                    self.error_messages["no_active_account"], "no_active_account"
                )
            if refresh.get(CREDENTIALS_CLAIM, 0) != user.credentials_version:
                # Issued before every credential of the user ended: one the blacklisting of
                # that end missed (a login that raced it) renews nothing either.
                raise TokenError(CREDENTIALS_ENDED)
            first_use = refresh.blacklist()[1]  # get_or_create's `created`
            if not first_use:  # refreshed, or logged out, since it was checked above
                raise TokenError(_("Token is blacklisted"))
            access = str(refresh.access_token)
            refresh.set_jti()
            refresh.set_exp()
            refresh.set_iat()
            refresh.outstand()
            return {"access": access, "refresh": str(refresh)}


class RefreshView(TokenRefreshView):
    serializer_class = RefreshSerializer


@extend_schema_serializer(component_name="TokenVerify")  # simplejwt's name, as before
class CurrentTokenVerifySerializer(TakesOnlyItsFields, TokenVerifySerializer):
    """A token, checked as a request with it would be: its signature and expiry, a refresh
    token not blacklisted, its account active, its login not logged out and the user's
    credentials not ended since it was issued."""

    # simplejwt's serializer stops at the blacklist: it answered 200 for the access token of a
    # login that had logged out, which every request then refused.
    def validate(self, attrs: dict) -> dict:
        try:
            data = super().validate(attrs)
        except ValidationError as refused:
            # simplejwt answers a blacklisted refresh token with 400: 401, as every other
            # token that is no good, so that a client tells a bad token from a bad request.
            raise InvalidToken(refused.detail[0]) from None
        CurrentCredentialsJWTAuthentication().get_user(UntypedToken(attrs["token"]))
        return data


class VerifyView(TokenVerifyView):
    serializer_class = CurrentTokenVerifySerializer


class LoginView(TokenObtainPairView):
    """Exchange username and password for an access and a refresh token."""

    serializer_class = LoginSerializer
    throttle_classes = LOGIN_THROTTLES


urlpatterns = [
    path("token/", LoginView.as_view(), name="token"),
    path("token/refresh/", RefreshView.as_view(), name="token-refresh"),
    path("token/verify/", VerifyView.as_view(), name="token-verify"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path(
        "ws-ticket/",
        WebSocketTicketView.as_view(
            identity_of=lambda request: access_token_identity(request.user, request.auth)
        ),
        name="ws-ticket",
    ),
]
