"""The group rooms' own requests and answers: creating and changing a room, invitations, bans
and roles (a project without group rooms leaves this module out)."""

from rest_framework import serializers

from users.serializers import UserRefSerializer

from ..models import Ban, Invitation, Room


class RoomRefSerializer(serializers.Serializer):
    """A room as events carry it (chat/domain/events.py room_ref)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    visibility = serializers.CharField()
    history_visible = serializers.BooleanField()


class RoomCreateSerializer(serializers.Serializer):
    name = serializers.CharField()
    visibility = serializers.ChoiceField(
        Room.Visibility.choices,
        required=False,
        help_text="public (default): in discovery, anyone may join; private: invitation only.",
    )
    history_visible = serializers.BooleanField(
        required=False, help_text="Whether newcomers read the messages from before they joined."
    )


class RoomUpdateSerializer(RoomCreateSerializer):
    name = serializers.CharField(required=False, help_text="Owner or admins.")
    visibility = serializers.ChoiceField(
        Room.Visibility.choices, required=False, help_text="The owner only."
    )
    history_visible = serializers.BooleanField(required=False, help_text="The owner only.")


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation: to you (`GET /api/invitations/`), or from a room (its pending ones)."""

    room = RoomRefSerializer(read_only=True)
    invited_by = UserRefSerializer(read_only=True, allow_null=True)
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "room", "user", "invited_by", "created"]
        read_only_fields = fields


class BanSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)
    banned_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ban
        fields = ["user", "banned_by", "created"]
        read_only_fields = fields


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(["admin", "member"])
