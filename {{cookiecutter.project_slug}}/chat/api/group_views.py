from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.outages import OUTAGES
from core.text import ID_PATTERN

from ..domain import group_moderation, group_rooms, invitations, reports
from ..models import Invitation, Room
from ..realtime.presence import online_among_sync
from .group_serializers import (
    BanSerializer,
    InvitationSerializer,
    RoleSerializer,
    RoomCreateSerializer,
    RoomUpdateSerializer,
)
from .room_list import rooms_for
from .serializers import (
    MembershipSerializer,
    ReportSerializer,
    RoomSerializer,
    UserIdSerializer,
)
from .views import RoomViewSet, payload

MEMBER = rf"members/(?P<user_id>{ID_PATTERN})"


def created_or_ok(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


class GroupRoomViewSet(RoomViewSet):
    """Your rooms; group rooms are also created, discovered, joined, left and moderated here."""

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer})
    def create(self, request: Request) -> Response:
        data = payload(request, "name", *group_rooms.ROOM_OPTIONS)
        options = {name: data[name] for name in group_rooms.ROOM_OPTIONS if name in data}
        room = group_rooms.create_group(request.user, data.get("name"), **options)
        return Response(self.room_data(room.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=RoomUpdateSerializer, responses=RoomSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        changes = payload(request, "name", *group_rooms.ROOM_OPTIONS)
        room = group_rooms.update_group(request.user, int(pk), changes)
        return Response(self.room_data(room.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        group_rooms.delete_group(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: RoomSerializer, 201: RoomSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        """Join a public room, or a private one you are invited to."""
        _, joined = group_rooms.join_group(request.user, int(pk))
        return Response(self.room_data(int(pk)), status=created_or_ok(joined))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        """Leave; the owner transfers the room first, unless they are its last member."""
        group_rooms.leave_group(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["post"],
        request=UserIdSerializer,
        responses={201: MembershipSerializer},
        description="Owner or admins add a user directly (CHAT_MODERATORS_ADD_MEMBERS).",
    )
    @extend_schema(methods=["get"], responses=MembershipSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def members(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            return super().members(request, pk)
        user_id = payload(request, "user").get("user")
        membership = invitations.add_directly(request.user, int(pk), user_id)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["patch"], request=RoleSerializer, responses=MembershipSerializer)
    @extend_schema(methods=["delete"], request=None, responses={204: None})
    @action(detail=True, methods=["patch", "delete"], url_path=MEMBER)
    def member(self, request: Request, pk: str, user_id: str) -> Response:
        """The owner changes a member's role; owner or admins remove a member."""
        if request.method == "DELETE":
            group_moderation.remove_member(request.user, int(pk), int(user_id))
            return Response(status=status.HTTP_204_NO_CONTENT)
        role = payload(request, "role").get("role")
        membership = group_moderation.set_role(request.user, int(pk), int(user_id), role)
        return Response(self.membership_data(membership))

    @extend_schema(request=UserIdSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: str) -> Response:
        """The owner hands the room to another member and becomes an admin."""
        user_id = payload(request, "user").get("user")
        membership = group_moderation.transfer_ownership(request.user, int(pk), user_id)
        return Response(self.membership_data(membership))

    @extend_schema(methods=["get"], responses=InvitationSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=UserIdSerializer,
        responses={201: InvitationSerializer, 200: InvitationSerializer},
        description="201 with a new invitation; 200 with the pending one.",
    )
    @action(detail=True, methods=["get", "post"], url_path="invitations")
    def room_invitations(self, request: Request, pk: str) -> Response:
        """The room's pending invitations; owner or admins invite a user."""
        if request.method == "GET":
            page = self.paginate_queryset(invitations.room_invitations(request.user, int(pk)))
            data = InvitationSerializer(page, many=True).data
            return self.get_paginated_response(data)
        user_id = payload(request, "user").get("user")
        invitation, created = invitations.invite(request.user, int(pk), user_id)
        return Response(InvitationSerializer(invitation).data, status=created_or_ok(created))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"invitations/(?P<user_id>{ID_PATTERN})")
    def cancel_invitation(self, request: Request, pk: str, user_id: str) -> Response:
        invitations.cancel_invitation(request.user, int(pk), int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["get"], responses=BanSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request=UserIdSerializer,
        responses={201: BanSerializer, 200: BanSerializer},
        description="Removes the user if a member; 200 if they were banned already.",
    )
    @action(detail=True, methods=["get", "post"])
    def bans(self, request: Request, pk: str) -> Response:
        """Owner or admins: the room's bans; ban a user."""
        if request.method == "GET":
            page = self.paginate_queryset(group_moderation.room_bans(request.user, int(pk)))
            return self.get_paginated_response(BanSerializer(page, many=True).data)
        user_id = payload(request, "user").get("user")
        ban, created = group_moderation.ban_user(request.user, int(pk), user_id)
        return Response(BanSerializer(ban).data, status=created_or_ok(created))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"bans/(?P<user_id>{ID_PATTERN})")
    def unban(self, request: Request, pk: str, user_id: str) -> Response:
        group_moderation.unban_user(request.user, int(pk), int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=ReportSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="reports")
    def room_reports(self, request: Request, pk: str) -> Response:
        """Owner or admins: the open reports of the room's messages, newest first."""
        page = self.paginate_queryset(reports.room_reports(request.user, int(pk)))
        return self.get_paginated_response(ReportSerializer(page, many=True).data)

    @extend_schema(responses=RoomSerializer(many=True))
    @action(detail=False, methods=["get"])
    def discover(self, request: Request) -> Response:
        """Public group rooms you have not joined (nor been banned from), newest first."""
        rooms = (
            rooms_for(request.user)
            .filter(kind=Room.Kind.GROUP, visibility=Room.Visibility.PUBLIC)
            .exclude(memberships__user=request.user)
            # A room that banned you would only refuse your join.
            .exclude(bans__user=request.user)
            .order_by("-id")
        )
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def room_data(self, room_id: int) -> dict:
        return self.get_serializer(rooms_for(self.request.user).get(pk=room_id)).data

    def membership_data(self, membership) -> dict:
        """A member as the members list shows them: with whether they are online (null if
        Redis cannot say just now: the change is made, and is answered)."""
        try:
            online = online_among_sync([membership.user_id])
        except OUTAGES:
            online = None
        return MembershipSerializer(membership, context={"online": online}).data


class InvitationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your pending invitations to group rooms: accept (you join) or decline."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()  # typed for the schema; get_queryset() serves requests
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return invitations.pending_invitations(self.request.user)

    @extend_schema(request=None, responses={201: RoomSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        membership = invitations.accept_invitation(request.user, int(pk))
        room = rooms_for(request.user).get(pk=membership.room_id)
        return Response(RoomSerializer(room).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        invitations.decline_invitation(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
