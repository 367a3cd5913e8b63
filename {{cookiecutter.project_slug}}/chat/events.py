"""The server-to-client socket events, built once per change whatever the number of recipients."""

from .models import Message, Room
from .serializers import MessageSerializer, UserRefSerializer


def message_event(event_type: str, message: Message) -> dict:
    return {"type": event_type, "message": MessageSerializer(message).data}


def room_event(event_type: str, room: Room) -> dict:
    return {"type": event_type, "room": {"id": room.pk, "kind": room.kind, "name": room.name}}


def member_event(event_type: str, room_id: int, user) -> dict:
    return {"type": event_type, "room": room_id, "user": UserRefSerializer(user).data}


def error_event(code: str, detail: str, ref: str | None = None) -> dict:
    return {"type": "error", "code": code, "detail": detail, "ref": ref}
