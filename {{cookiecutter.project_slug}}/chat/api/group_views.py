from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.text import ID_PATTERN

from ..domain import group_rooms
from ..models import Room
from .room_list import rooms_for
from .serializers import RoomSerializer
from .views import RoomViewSet, payload


class GroupRoomViewSet(RoomViewSet):
    """Your rooms; group rooms are also created, discovered, joined, left and moderated here."""

    def create(self, request: Request) -> Response:
        room = group_rooms.create_group(request.user, payload(request).get("name"))
        return Response(self.room_data(room.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        room = group_rooms.rename_group(request.user, int(pk), payload(request).get("name"))
        return Response(self.room_data(room.pk))

    def destroy(self, request: Request, pk: str) -> Response:
        group_rooms.delete_group(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: RoomSerializer, 201: RoomSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        _, joined = group_rooms.join_group(request.user, int(pk))
        code = status.HTTP_201_CREATED if joined else status.HTTP_200_OK
        return Response(self.room_data(int(pk)), status=code)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        group_rooms.leave_group(request.user, int(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=rf"members/(?P<user_id>{ID_PATTERN})")
    def remove_member(self, request: Request, pk: str, user_id: str) -> Response:
        group_rooms.remove_member(request.user, int(pk), int(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=RoomSerializer(many=True))
    @action(detail=False, methods=["get"])
    def discover(self, request: Request) -> Response:
        """Group rooms you have not joined, newest first."""
        rooms = (
            rooms_for(request.user)
            .filter(kind=Room.Kind.GROUP)
            .exclude(memberships__user=request.user)
            .order_by("-id")
        )
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def room_data(self, room_id: int) -> dict:
        return self.get_serializer(rooms_for(self.request.user).get(pk=room_id)).data
