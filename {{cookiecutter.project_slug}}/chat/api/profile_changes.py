"""GET /api/users/changed/?after=: the changes to the people a user shares a room with, made
while the user's client was away (users/profile_numbers.py numbers them)."""

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.text import ID_PATTERN
from users.models import User
from users.profile_numbers import latest_profile_change, profile_changes_after
from users.serializers import UserRefSerializer

from ..models import Membership

# Changes a page of GET /api/users/changed/ lists at most.
PROFILE_CHANGES_PAGE = 200

ProfileChangePage = inline_serializer(
    "ProfileChangePage",
    {
        "results": inline_serializer(
            "ProfileChange",
            {
                "id": serializers.IntegerField(help_text="The user's id."),
                "change": serializers.IntegerField(help_text="The change's number."),
                "user": UserRefSerializer(
                    allow_null=True, help_text="The user as others see them now; null: deleted."
                ),
            },
            many=True,
        ),
        "next": serializers.URLField(allow_null=True, help_text="The following page, if any."),
        "profile_change": serializers.IntegerField(
            help_text="The latest change as this page was read: ask ?after= it next time."
        ),
    },
)


class ProfileChangesView(APIView):
    """The people you share a room with whose name or picture changed, and the accounts deleted,
    after a change number (`profile_change` of the room list, or of a `user.updated` event),
    oldest first: what a client back from being away reads to show everyone as they are now."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
                required=True,
                description="The latest change number the client has seen.",
            )
        ],
        responses=ProfileChangePage,
    )
    def get(self, request: Request) -> Response:
        after = request.query_params.get("after", "")
        if not re.fullmatch(ID_PATTERN, after):
            raise serializers.ValidationError({"after": ["after must be a change number."]})
        latest = latest_profile_change()
        # Those the user may see now: no more than the directory shows of strangers.
        room_mates = Membership.objects.filter(room__memberships__user=request.user)
        changes = profile_changes_after(
            int(after), latest, PROFILE_CHANGES_PAGE + 1, room_mates.values("user_id")
        )
        following = None
        if len(changes) > PROFILE_CHANGES_PAGE:
            changes = changes[:PROFILE_CHANGES_PAGE]
            following = request.build_absolute_uri(f"{request.path}?after={changes[-1].number}")
        users = User.objects.in_bulk([change.user_id for change in changes if not change.deleted])
        results = [
            {
                "id": change.user_id,
                "change": change.number,
                "user": None
                if change.user_id not in users
                else UserRefSerializer(users[change.user_id]).data,
            }
            for change in changes
        ]
        return Response({"results": results, "next": following, "profile_change": latest})
