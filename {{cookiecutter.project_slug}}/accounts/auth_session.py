"""Session auth mode: the session cookie authenticates REST calls (with CSRF) and WebSockets.

Browser flow: GET csrf/ (sets the csrftoken cookie), POST login/ with the
X-CSRFToken header, then open ws/chat/ from the same site: the browser sends
the session cookie with the handshake.
"""

from channels.auth import AuthMiddlewareStack
from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .serializers import LoginSerializer, UserSerializer
from .throttles import LOGIN_THROTTLES

# Session cookie on the handshake; the Origin check in config/asgi.py stops cross-site sockets.
websocket_auth_middleware = AuthMiddlewareStack


class CsrfView(APIView):
    """Set the CSRF cookie and return its token, for the X-CSRFToken header of later POSTs."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()}))
    def get(self, request: Request) -> Response:
        return Response({"csrfToken": get_token(request)})


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
        login(request._request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    """End the session (the CSRF token is required, as for every authenticated POST)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("csrf/", ensure_csrf_cookie(CsrfView.as_view()), name="csrf"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]
