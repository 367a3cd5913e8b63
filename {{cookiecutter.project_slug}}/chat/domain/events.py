"""The server-to-client socket events, built once per change whatever the number of recipients."""

from rest_framework import serializers

from ..models import Message, Room

# The serializer's own field, so timestamps read exactly as they do over REST.
_timestamp = serializers.DateTimeField()


def user_ref(user) -> dict:
    """UserRefSerializer's output (chat/api/serializers.py), as events carry a user."""
    return {"id": user.pk, "username": user.username}


def message_payload(message: Message) -> dict:
    """MessageSerializer's output, built directly: this runs for every message sent."""
    sender = message.sender
    return {
        "id": message.pk,
        "room": message.room_id,
        "sender": None if sender is None else user_ref(sender),
        "body": message.body,
        "created": _timestamp.to_representation(message.created),
        "edited": _timestamp.to_representation(message.edited),
        "deleted": _timestamp.to_representation(message.deleted),
        "client_id": message.client_id,
    }


def message_event(event_type: str, message: Message) -> dict:
    return {"type": event_type, "message": message_payload(message)}


def room_event(event_type: str, room: Room) -> dict:
    return {"type": event_type, "room": {"id": room.pk, "kind": room.kind, "name": room.name}}


def member_event(event_type: str, room_id: int, user) -> dict:
    return {"type": event_type, "room": room_id, "user": user_ref(user)}
