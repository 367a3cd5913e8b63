from rest_framework import generics, permissions

from .serializers import RegisterSerializer, UserSerializer
from .throttles import LoginAddressThrottle


class RegisterView(generics.CreateAPIView):
    """Create an account; log in afterwards the way this project's auth mode says."""

    serializer_class = RegisterSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = [LoginAddressThrottle]


class MeView(generics.RetrieveAPIView):
    """The authenticated user."""

    serializer_class = UserSerializer

    def get_object(self):
        return self.request.user
