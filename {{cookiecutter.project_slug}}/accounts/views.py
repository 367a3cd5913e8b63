from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response

from core.parsers import StorableJSONParser
from core.upload_turns import upload_turn

from .deletion import delete_account
from .serializers import (
    AccountDeletionSerializer,
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
