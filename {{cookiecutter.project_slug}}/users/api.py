"""The user directory (GET /api/users/?q=) and avatars (GET /api/users/<id>/avatar/<name>)."""

from django.conf import settings
from django.db.models import Q
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import UserSearchThrottle
from core.pagination import BoundedLimitOffsetPagination
from core.text import is_storable

from .models import User, same_username
from .serializers import UserRefSerializer


class DirectoryPagination(BoundedLimitOffsetPagination):
    # Small pages: every page is a throttled request, so a page bounds what one request shows.
    default_limit = 20
    max_limit = 20


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(max_length=User._meta.get_field("username").max_length)

    def validate_q(self, value: str) -> str:
        if not is_storable(value):
            raise serializers.ValidationError(
                "q must be text without NUL characters or lone surrogates."
            )
        return value


class UserDirectoryView(ListAPIView):
    """Active users whose username or display name contains `q` (any case), or for a `q`
    shorter than USERS_SEARCH_MIN_LENGTH whose username is `q`; you excepted."""

    serializer_class = UserRefSerializer
    pagination_class = DirectoryPagination
    throttle_classes = [UserSearchThrottle]
    queryset = User.objects.none()  # typed for the schema; get_queryset() serves requests

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                required=True,
                description=f"From {settings.USERS_SEARCH_MIN_LENGTH} characters "
                "(USERS_SEARCH_MIN_LENGTH) on, part of a username or display name; shorter, "
                "a whole username.",
            )
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = SearchQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data["q"]
        users = User.objects.filter(is_active=True).exclude(pk=self.request.user.pk)
        if len(q) < settings.USERS_SEARCH_MIN_LENGTH:
            # Too short to search by (a letter would list everyone): the user of that very
            # name, so that "jo" can still be found.
            users = users.filter(same_username(q))
        else:
            users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
        return users.order_by("username", "pk")


# The content type of each format users/avatars.py stores, by file extension.
AVATAR_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


class AvatarView(APIView):
    """A user's avatar, for signed-in users. Its URL (`avatar` in every user object) names the
    current file, so an answer never changes: it may be cached for good."""

    @extend_schema(
        parameters=[
            OpenApiParameter("user_id", int, OpenApiParameter.PATH),
            OpenApiParameter("name", str, OpenApiParameter.PATH, description="As `avatar` says."),
        ],
        responses={
            (200, content_type): OpenApiTypes.BINARY for content_type in AVATAR_TYPES.values()
        },
    )
    def get(self, request: Request, user_id: str, name: str) -> FileResponse:
        user = User.objects.filter(pk=int(user_id), is_active=True).only("pk", "avatar").first()
        current = None if user is None else user.avatar_url
        if current is None or current.rsplit("/", 1)[-1] != name:
            raise NotFound("No such avatar.")
        try:
            image = user.avatar.open("rb")
        except FileNotFoundError as error:  # the media directory lost it
            raise NotFound("No such avatar.") from error
        response = FileResponse(image, content_type=AVATAR_TYPES[name.rsplit(".", 1)[-1]])
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response

    def perform_content_negotiation(self, request, force=False):
        # The image is not rendered, and errors are JSON whatever the client accepts (an
        # <img> asks for images only): take the first renderer rather than answer 406.
        return super().perform_content_negotiation(request, force=True)
