from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .direct_rooms import get_or_create_direct
from .serializers import RoomSerializer
from .views import payload, rooms_for


class DirectConversationView(APIView):
    """Open the 1-to-1 conversation with another user: created the first time, then the same one."""

    @extend_schema(
        request=inline_serializer("DirectRequest", {"user": serializers.IntegerField()}),
        responses={201: RoomSerializer, 200: RoomSerializer},
    )
    def post(self, request: Request) -> Response:
        room, created = get_or_create_direct(request.user, payload(request).get("user"))
        data = RoomSerializer(rooms_for(request.user).get(pk=room.pk)).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
