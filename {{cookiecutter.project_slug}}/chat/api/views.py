import re

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.throttles import MessageSearchThrottle
from attachments.linking import with_attachments
from core.request_fields import refused_fields
from core.text import ID_PATTERN
from users.profile_numbers import latest_profile_change

from ..domain.access import membership_for, room_for
from ..domain.errors import Invalid
from ..domain.messages import delete_message, edit_message
from ..domain.reactions import (
    add_reaction,
    reaction_counts,
    remove_reaction,
)
from ..domain.read_state import mark_read, unread_total
from ..domain.reports import own_reports, report_message
from ..domain.search import search_messages
from ..domain.sending import send_message
from ..models import Membership, Message, Room
from ..realtime.presence import online_among_sync
from .message_pages import message_page, page_reactions
from .room_list import RoomListPages, own_rooms, rooms_for
from .serializers import (
    MembershipSerializer,
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageSerializer,
    ReportRequestSerializer,
    ReportSerializer,
    RoomSerializer,
)


def payload(request: Request, *fields: str) -> dict:
    """The JSON object a write request must send, with none but `fields`: any other is refused
    (core/request_fields.py)."""
    if not isinstance(request.data, dict):
        raise Invalid("Send a JSON object.")
    if refused := refused_fields(request.data, fields):
        ((field, (detail,)),) = refused.items()
        raise Invalid(detail, field)
    return request.data


ReadRequest = inline_serializer(
    "ReadRequest", {"message": serializers.IntegerField(help_text="The newest message read.")}
)
ReadState = inline_serializer(
    "ReadState",
    {
        "room": serializers.IntegerField(),
        "message": serializers.IntegerField(help_text="Your read cursor now."),
        "unread": serializers.IntegerField(help_text="Messages after it, not yours."),
    },
)
UnreadTotal = inline_serializer("UnreadTotal", {"total": serializers.IntegerField()})


RoomListPage = inline_serializer(
    "RoomListPage",
    {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True, help_text="The following page, if any."),
        "previous": serializers.URLField(allow_null=True),
        "results": RoomSerializer(many=True),
        "profile_change": serializers.IntegerField(
            help_text="The latest change to what others see of users (names, pictures, "
            "deleted accounts): GET /api/users/changed/?after=<the one you hold> reads those "
            "made while you were away."
        ),
    },
)


class RoomViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The rooms you belong to."""

    serializer_class = RoomSerializer
    queryset = Room.objects.none()  # typed for the schema; get_queryset() serves requests
    # Ids in BIGINT's range: anything else is a 404 from the router, not an error in the database.
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        """Your rooms, the most recently active first."""
        return own_rooms(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="Rooms per page."),
            OpenApiParameter("offset", int, description="Rooms to skip."),
        ],
        responses=RoomListPage,
    )
    def list(self, request: Request) -> Response:
        # The same rooms, paged by a statement compiled once (chat/api/room_list.py).
        page = self.paginate_queryset(RoomListPages(request.user))
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        # Read after the socket is ready, as a client reads its list: any later change to a
        # user comes to it as an event.
        response.data["profile_change"] = latest_profile_change()
        return response

    def retrieve(self, request: Request, pk: str) -> Response:
        room = room_for(request.user, int(pk))
        return Response(self.get_serializer(rooms_for(request.user).get(pk=room.pk)).data)

    @extend_schema(responses=MembershipSerializer(many=True))
    @action(detail=True, methods=["get"])
    def members(self, request: Request, pk: str) -> Response:
        viewer = membership_for(request.user, int(pk))
        memberships = Membership.objects.filter(room_id=int(pk)).select_related("user")
        page = self.paginate_queryset(memberships.order_by("joined", "id"))
        online = online_among_sync([membership.user_id for membership in page])
        # Blocked in a 1-to-1: whether the blocker is online, and how far they read, are theirs.
        hidden = {m.user_id for m in page if m.user_id != request.user.pk}
        context = {"online": online, "hidden": hidden if viewer.blocked_by_peer else set()}
        data = MembershipSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(request=ReadRequest, responses=ReadState)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Move your read cursor up to a message (never back); every tab of yours hears of it."""
        state = mark_read(request.user, int(pk), payload(request, "message").get("message"))
        return Response({key: state[key] for key in ("room", "message", "unread")})

    @extend_schema(responses=UnreadTotal)
    @action(detail=False, methods=["get"])
    def unread(self, request: Request) -> Response:
        """Unread messages in all your rooms together (each room's own is in the list)."""
        return Response({"total": unread_total(request.user)})


# A cursor: an id as the server hands them out (1 to 18 digits).
MESSAGE_ID = {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}

MessagePage = inline_serializer(
    "MessagePage",
    {
        "results": MessageSerializer(many=True),
        "next": serializers.URLField(allow_null=True, help_text="The following page, if any."),
        "last_change": serializers.IntegerField(
            help_text="The room's latest change number as this page was read: the messages "
            "shown are as every change up to it left them (?changed_after= catches up from it)."
        ),
    },
)
# The cursors of a room's messages, of which a request gives one at most.
CURSORS = ("before", "after", "changed_after")


class RoomMessagesView(APIView):
    """A room's messages, newest first; `?before=<id>` pages back, `?after=<id>` catches up on
    newer messages, `?changed_after=<change>` on edits, deletions and reactions (one of the
    three). In a room that hides its history from newcomers, a newcomer's first message is not
    seq 1."""

    @extend_schema(
        parameters=[
            OpenApiParameter("before", MESSAGE_ID, description="Messages older than this id"),
            OpenApiParameter(
                "after",
                {**MESSAGE_ID, "minimum": 0},
                description="Messages newer than this id, oldest first (0: from the first)",
            ),
            OpenApiParameter(
                "changed_after",
                {**MESSAGE_ID, "minimum": 0},
                description=(
                    "Messages edited, deleted or reacted to after this change number (a "
                    "page's last_change, or an event's change), in the order changed"
                ),
            ),
        ],
        responses=MessagePage,
    )
    def get(self, request: Request, room_id: int) -> Response:
        membership = membership_for(request.user, room_id)
        # Read with the membership, before the page: the page shows at least every change up
        # to it.
        last_change = membership.room.last_change
        cursor = {}
        for name in CURSORS:
            value = request.query_params.get(name)
            if value is not None:
                if not re.fullmatch(ID_PATTERN, value):
                    what = "a change number" if name == "changed_after" else "a message id"
                    raise Invalid(f"{name} must be {what}.", name)
                cursor[name] = int(value)
        if len(cursor) > 1:
            given = list(cursor)
            raise Invalid(
                f"Give one of {', '.join(CURSORS)}, not {' and '.join(given)}.", given[-1]
            )
        if cursor.get("changed_after", -1) >= last_change:
            # Nothing changed since (most reconnects): no page to read.
            return Response({"results": [], "next": None, "last_change": last_change})
        size = settings.CHAT_MESSAGES_PAGE_SIZE
        # One more than a page: whether there is a following page.
        page = message_page(membership, cursor, size + 1)
        following = None
        if len(page) > size:
            page = page[:size]
            direction = next(iter(cursor), "before")
            last = page[-1].change if direction == "changed_after" else page[-1].pk
            following = request.build_absolute_uri(f"{request.path}?{direction}={last}")
        context = {
            "reactions": page_reactions(membership, cursor, page, request.user),
            "history_from": membership.history_from,
        }
        results = MessageSerializer(page, many=True, context=context).data
        return Response({"results": results, "next": following, "last_change": last_change})

    @extend_schema(
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer},
        description="201 with the new message; 200 with the first one if client_id was used.",
    )
    def post(self, request: Request, room_id: int) -> Response:
        data = payload(request, "body", "client_id", "reply_to", "attachments")
        message, created = send_message(
            request.user,
            room_id,
            data.get("body"),
            data.get("client_id"),
            data.get("reply_to"),
            data.get("attachments"),
        )
        return Response(
            MessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageView(APIView):
    """Edit (the sender) or delete (the sender, or a group's owner or admins) one message."""

    @extend_schema(request=MessageEditSerializer, responses=MessageSerializer)
    def patch(self, request: Request, message_id: int) -> Response:
        message = edit_message(request.user, message_id, payload(request, "body").get("body"))
        context = {"reactions": reaction_counts([message.pk], request.user)}
        return Response(MessageSerializer(message, context=context).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, message_id: int) -> Response:
        delete_message(request.user, message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


ReactionRequest = inline_serializer(
    "ReactionRequest", {"emoji": serializers.CharField(help_text="One emoji.")}
)
ReactionState = inline_serializer(
    "ReactionState",
    {
        "message": serializers.IntegerField(),
        "emoji": serializers.CharField(),
        "count": serializers.IntegerField(help_text="Reactions with this emoji now."),
        "me": serializers.BooleanField(help_text="Whether yours is among them."),
    },
)


class MessageReactionsView(APIView):
    """React to a message of one of your rooms, or take your reaction back: both idempotent."""

    @extend_schema(
        request=ReactionRequest,
        responses={201: ReactionState, 200: ReactionState},
        description="201 when your reaction was added; 200 if it was there already.",
    )
    def post(self, request: Request, message_id: int) -> Response:
        emoji = payload(request, "emoji").get("emoji")
        state, created = add_reaction(request.user, message_id, emoji)
        return Response(state, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("emoji", str, required=True, description="The emoji.")],
        # A dict: given alone, a DELETE's response is documented as 204 with no body.
        responses={200: ReactionState},
    )
    def delete(self, request: Request, message_id: int) -> Response:
        state = remove_reaction(request.user, message_id, request.query_params.get("emoji"))
        return Response(state)


class MessageReportsView(APIView):
    """Report a message of one of your rooms to its owner and admins, and to staff."""

    @extend_schema(
        responses=ReportSerializer(many=True),
        description="Your report of this message, in a list: empty if you have not reported it.",
    )
    def get(self, request: Request, message_id: int) -> Response:
        mine = own_reports(request.user, message_id)
        return Response(ReportSerializer(mine, many=True).data)

    @extend_schema(
        request=ReportRequestSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        description="201 with your report; 200 with it if you had reported this message already.",
    )
    def post(self, request: Request, message_id: int) -> Response:
        reason = payload(request, "reason").get("reason")
        report, created = report_message(request.user, message_id, reason)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReportSerializer(report).data, status=code)


class MessageSearchView(ListAPIView):
    """Search the messages of your rooms (or of one, `?room=<id>`), newest first."""

    serializer_class = MessageSerializer
    queryset = Message.objects.none()  # typed for the schema; get_queryset() serves requests
    throttle_classes = [MessageSearchThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description='Words, or "a phrase".'),
            OpenApiParameter("room", MESSAGE_ID, description="Only this room of yours"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        room = self.request.query_params.get("room")
        if room is not None and not re.fullmatch(ID_PATTERN, room):
            raise Invalid("room must be a room id.", "room")
        return search_messages(
            self.request.user,
            self.request.query_params.get("q", ""),
            None if room is None else int(room),
        ).prefetch_related(with_attachments())

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "reactions": self.page_reactions}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.page_reactions = reaction_counts([message.pk for message in page], self.request.user)
        return page
