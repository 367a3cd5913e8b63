from django.contrib.auth import logout, update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import StorableJSONParser
from core.request_fields import TakesNoFields
from core.upload_turns import upload_turn
from users.credentials import end_every_credential

from .deletion import delete_account
from .serializers import (
    AccountDeletionSerializer,
    PasswordChangeSerializer,
    ProfileSerializer,
    RegisterSerializer,
    UserSerializer,
)
from .throttles import LoginAddressThrottle


class RegisterView(generics.CreateAPIView):
    """Create an account; log in afterwards the way this project's auth mode says."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [LoginAddressThrottle]
    # JSON only, which no page of another site can post without CORS allowing it: a form
    # could, and have visitors' browsers open accounts for it from their own addresses.
    parser_classes = [StorableJSONParser]


class MeView(generics.GenericAPIView):
    """The authenticated user: read it, change the profile, or delete the account."""

    serializer_class = UserSerializer

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "DELETE":
            # A deletion checks the password: counted like a login, against guessing it.
            throttles.append(LoginAddressThrottle())
        return throttles

    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=ProfileSerializer, responses=UserSerializer)
    def patch(self, request):
        with upload_turn(request.user.pk):  # an avatar is decoded as an attachment is
            profile = ProfileSerializer(request.user, data=request.data, partial=True)
            profile.is_valid(raise_exception=True)
            profile.save()
        return Response(UserSerializer(request.user).data)

    @extend_schema(request=AccountDeletionSerializer, responses={204: None})
    def delete(self, request):
        confirmation = AccountDeletionSerializer(data=request.data, context={"request": request})
        confirmation.is_valid(raise_exception=True)
        delete_account(request.user)
        # In session mode the cookie's session names a user who is gone: end it as well.
        request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    """Change your password. Every credential of yours ends with the old password, and every
    socket closes (4401), on every device: sign in again with the new one (a session that made
    the change stays signed in)."""

    # The current password is checked: counted like a login, against guessing it.
    throttle_classes = [LoginAddressThrottle]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        change = PasswordChangeSerializer(data=request.data, context={"request": request})
        change.is_valid(raise_exception=True)
        user = request.user
        user.set_password(change.validated_data["new_password"])
        user.save()  # users/signals.py ends the credentials and closes the sockets
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request._request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutEverywhereView(TakesNoFields):
    """Sign out on every device: every credential of yours ends, this request's included, and
    every socket of yours closes (4401). For a lost phone, or a shared computer left signed in."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        end_every_credential(request.user)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            # Ended by its hash already: the row and the cookie go too.
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
