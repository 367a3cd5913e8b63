from rest_framework import serializers

from ..models import Membership, Message, Room


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class RoomSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True, default=None)
    role = serializers.CharField(
        read_only=True,
        default=None,
        allow_null=True,
        help_text="Your role here; null if you are not a member.",
    )

    class Meta:
        model = Room
        fields = ["id", "kind", "name", "created", "member_count", "role"]
        read_only_fields = ["id", "kind", "created"]


class MembershipSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "joined"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    """The one shape of a message, on REST and in every socket event."""

    sender = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Message
        fields = ["id", "room", "sender", "body", "created", "edited", "deleted", "client_id"]
        read_only_fields = ["id", "room", "sender", "created", "edited", "deleted"]


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
    client_id = serializers.CharField(help_text="Chosen by the client (a UUID); resending is safe.")


class MessageEditSerializer(serializers.Serializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=True)
