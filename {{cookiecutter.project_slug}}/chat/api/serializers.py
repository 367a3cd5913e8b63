from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attachments.linking import payloads as attachment_payloads
from attachments.serializers import AttachmentSerializer
from users.models import avatar_url
from users.serializers import UserRefSerializer

from ..domain.events import excerpt
from ..models import Membership, Message, Report, Room
from .room_list import attach_last_messages


class ExcerptSerializer(serializers.Serializer):
    """A short quote of a message (chat/domain/events.py excerpt)."""

    id = serializers.IntegerField()
    sender = UserRefSerializer(allow_null=True)
    excerpt = serializers.CharField(help_text="The first characters of the body.")
    created = serializers.DateTimeField()
    deleted = serializers.BooleanField()


class ReactionCountSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    me = serializers.BooleanField(help_text="Whether you reacted with this emoji.")


class RoomListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        # The last messages of the whole list at once, not one query per room.
        return super().to_representation(attach_last_messages(list(data)))


class RoomSerializer(serializers.ModelSerializer):
    """A room as the list shows it; the figures come from chat/api/room_list.py rooms_for()."""

    member_count = serializers.IntegerField(read_only=True, default=None)
    role = serializers.CharField(
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Your role here; null if you are not a member.",
    )
    unread = serializers.SerializerMethodField(
        help_text="Messages after your read cursor (before you read any: those since you "
        "joined), not yours; null if you are not a member."
    )
    last_message = serializers.SerializerMethodField()
    peer = serializers.SerializerMethodField(help_text="The other person, in a 1-to-1.")

    class Meta:
        model = Room
        fields = [
            "id",
            "kind",
            "name",
            "visibility",
            "history_visible",
            "created",
            "member_count",
            "role",
            "unread",
            "last_message",
            "peer",
        ]
        read_only_fields = fields
        list_serializer_class = RoomListSerializer

    def get_unread(self, room: Room) -> int | None:
        return room.unread if room.role is not None else None

    @extend_schema_field(ExcerptSerializer(allow_null=True))
    def get_last_message(self, room: Room) -> dict | None:
        if not hasattr(room, "last_message"):
            attach_last_messages([room])
        return None if room.last_message is None else excerpt(room.last_message)

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_peer(self, room: Room) -> dict | None:
        if room.peer_id is None:
            return None
        return {
            "id": room.peer_id,
            "username": room.peer_username,
            "display_name": room.peer_display_name,
            "avatar": avatar_url(room.peer_id, room.peer_avatar),
        }


class MembershipSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    last_read = serializers.IntegerField(
        source="last_read_message_id",
        read_only=True,
        allow_null=True,
        help_text="The newest message this member has read (their read receipt).",
    )
    online = serializers.SerializerMethodField(
        help_text="Whether a socket of theirs is open; null when the server keeps no presence."
    )

    class Meta:
        model = Membership
        fields = ["user", "role", "joined", "last_read", "online"]
        read_only_fields = fields

    def get_online(self, membership: Membership) -> bool | None:
        online = self.context.get("online")
        return None if online is None else membership.user_id in online

    def to_representation(self, membership: Membership) -> dict:
        data = super().to_representation(membership)
        if membership.user_id in self.context.get("hidden", ()):
            # Shown to the user they block: neither whether they are online nor their receipt.
            data["last_read"] = data["online"] = None
        return data


class MessageSerializer(serializers.ModelSerializer):
    """The one shape of a message, on REST and in every socket event.

    `reactions` come from the view's context (`reactions`: message id -> counts, chat/api/
    reactions.py), read for a whole page at once.
    """

    sender = UserRefSerializer(read_only=True, allow_null=True)
    reply_to = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "room",
            "seq",
            "change",
            "sender",
            "body",
            "created",
            "edited",
            "deleted",
            "client_id",
            "reply_to",
            "reactions",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(ExcerptSerializer(allow_null=True))
    def get_reply_to(self, message: Message) -> dict | None:
        # Where the reader's history starts: from a search's rows, or the page's context. A
        # newcomer to a room hiding its history sees a reply to an earlier message unquoted.
        cut = getattr(message, "reader_history_from", self.context.get("history_from", 0))
        if message.reply_to_id is None or message.reply_to_id <= cut:
            return None
        return excerpt(message.reply_to)

    @extend_schema_field(ReactionCountSerializer(many=True))
    def get_reactions(self, message: Message) -> list:
        return self.context.get("reactions", {}).get(message.pk, [])

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message: Message) -> list:
        # Pages prefetch them (attachments.linking.with_attachments): no query per message.
        return attachment_payloads(message)


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    client_id = serializers.CharField(help_text="Chosen by the client (a UUID); resending is safe.")
    reply_to = serializers.IntegerField(
        required=False, allow_null=True, help_text="The id of a message of the same room."
    )
    attachments = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Ids of your uploads to this room (POST /api/rooms/<id>/attachments/), "
        "not sent yet; with any, body may be empty.",
    )


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)


class UserIdSerializer(serializers.Serializer):
    user = serializers.IntegerField(help_text="The user's id.")


class ReportSerializer(serializers.ModelSerializer):
    message = serializers.SerializerMethodField()
    reporter = UserRefSerializer(read_only=True)

    class Meta:
        model = Report
        fields = ["id", "message", "reporter", "reason", "reported_body", "created"]
        extra_kwargs = {
            "reported_body": {
                "help_text": "The message's text when it was reported, whatever became of it."
            }
        }
        read_only_fields = fields

    @extend_schema_field(ExcerptSerializer)
    def get_message(self, report: Report) -> dict:
        return excerpt(report.message)


class ReportRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, help_text="Why, in a line.")
