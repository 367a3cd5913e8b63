from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import LiveRateThrottle

from ..domain.blocks import block_user, unblock_user, user_blocks
from ..domain.direct_rooms import (
    NO_CONVERSATION,
    find_direct,
    hide_direct,
    start_direct,
)
from ..domain.errors import Invalid, NotFound
from ..domain.sending import send_message
from ..models import Block
from .direct_serializers import BlockSerializer
from .room_list import rooms_for
from .serializers import MessageSerializer, RoomSerializer, UserIdSerializer
from .views import payload


class DirectStartThrottle(LiveRateThrottle):
    """Attempts per user to start a conversation: the one request that tells whether a
    user id exists, at the price of a message its user sees."""

    scope = "direct"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


# Files are uploaded to a room, and a reply quotes a message of it: the conversation's first
# message, which makes the room, can do neither.
FIRST_MESSAGE_PLAIN = (
    "The message that starts a conversation cannot reply or carry files: send it, then those."
)

NOT_WITH_THE_FIRST_MESSAGE = "As for every message; not with the one that starts the conversation."

DirectConversation = inline_serializer(
    "DirectConversation", {"room": RoomSerializer(), "message": MessageSerializer(allow_null=True)}
)


class DirectConversationView(APIView):
    """Your 1-to-1 conversation with another user; a first message starts it."""

    @extend_schema(
        request=inline_serializer(
            "DirectRequest",
            {
                "user": serializers.IntegerField(),
                "body": serializers.CharField(required=False, help_text="A message to send."),
                "client_id": serializers.CharField(
                    required=False, help_text="Required with body, as for every message."
                ),
                "reply_to": serializers.IntegerField(
                    required=False, allow_null=True, help_text=NOT_WITH_THE_FIRST_MESSAGE
                ),
                "attachments": serializers.ListField(
                    child=serializers.IntegerField(),
                    required=False,
                    help_text=NOT_WITH_THE_FIRST_MESSAGE,
                ),
            },
        ),
        responses={200: DirectConversation, 201: DirectConversation},
        description=(
            "200 with the conversation (and the message, if you sent one); 201 when your "
            "message started it; 404 without a message if you have none with this user."
        ),
    )
    def post(self, request: Request) -> Response:
        data = payload(request, "user", "body", "client_id", "reply_to", "attachments")
        room = find_direct(request.user, data.get("user"))
        message, created = None, False
        if room is None:
            if "body" not in data:
                raise NotFound(NO_CONVERSATION)
            for field in ("reply_to", "attachments"):
                if data.get(field):
                    raise Invalid(FIRST_MESSAGE_PLAIN, field)
            throttle = DirectStartThrottle()
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())
            room, message, created = start_direct(
                request.user, data["user"], data["body"], data.get("client_id")
            )
        elif "body" in data:
            message, _ = send_message(
                request.user,
                room.pk,
                data["body"],
                data.get("client_id"),
                data.get("reply_to"),
                data.get("attachments"),
            )
        body = {
            "room": RoomSerializer(rooms_for(request.user).get(pk=room.pk)).data,
            "message": MessageSerializer(message).data if message else None,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class HideConversationView(APIView):
    """Hide a 1-to-1 from your room list; its next message brings it back."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, room_id: int) -> Response:
        hide_direct(request.user, room_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlocksView(ListAPIView):
    """The users you block: they cannot message you 1-to-1, start a conversation with you or
    invite you to a room."""

    serializer_class = BlockSerializer
    queryset = Block.objects.none()  # typed for the schema; get_queryset() serves requests

    def get_queryset(self):
        return user_blocks(self.request.user)

    @extend_schema(
        request=UserIdSerializer,
        responses={201: BlockSerializer, 200: BlockSerializer},
        description="201 when you block the user; 200 if you did already.",
    )
    def post(self, request: Request) -> Response:
        block, created = block_user(request.user, payload(request, "user").get("user"))
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(BlockSerializer(block).data, status=code)


class BlockView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, user_id: int) -> Response:
        """Unblock the user."""
        unblock_user(request.user, user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
