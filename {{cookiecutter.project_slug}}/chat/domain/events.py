"""The server-to-client socket events, built once per change whatever the number of recipients."""

from functools import lru_cache

from django.utils import timezone
from rest_framework import serializers

from attachments.linking import payloads as attachment_payloads

from ..models import Invitation, Message, Room

# The serializer's own field, so timestamps read exactly as they do over REST, in the
# settings' time zone (which REST uses, as the project activates no other): given here, the
# field does not look up the current time zone for every message.
_timestamp = serializers.DateTimeField(default_timezone=timezone.get_default_timezone())


@lru_cache(maxsize=256)
def timestamp(value):
    """A datetime (or None) as REST writes it; remembered, as the messages stored together
    share their `created` and this runs for each of them."""
    return _timestamp.to_representation(value)


def user_ref(user) -> dict:
    """UserRefSerializer's output (users/serializers.py), as events carry a user.

    Read from the user object alone, no query: a message's sender is loaded with it.
    """
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "avatar": user.avatar_url,
    }


# Characters of a message quoted by a reply, or shown as a room's last message.
EXCERPT_LENGTH = 100


def excerpt(message: Message) -> dict:
    """A short quote of a message: a reply's `reply_to`, a room's `last_message`."""
    sender = message.sender
    return {
        "id": message.pk,
        "sender": None if sender is None else user_ref(sender),
        "excerpt": message.body[:EXCERPT_LENGTH],
        "created": timestamp(message.created),
        "deleted": message.deleted is not None,
    }


def message_payload(message: Message) -> dict:
    """MessageSerializer's output, built directly: this runs for every message sent.

    Without `reactions`, which only the events about reactions change (and REST adds).
    """
    sender = message.sender
    reply_to = message.reply_to if message.reply_to_id is not None else None
    return {
        "id": message.pk,
        "room": message.room_id,
        "seq": message.seq,
        "change": message.change,
        "sender": None if sender is None else user_ref(sender),
        "body": message.body,
        "created": timestamp(message.created),
        "edited": timestamp(message.edited),
        "deleted": timestamp(message.deleted),
        "client_id": message.client_id,
        "reply_to": None if reply_to is None else excerpt(reply_to),
        # Read from the message (set as it was stored or loaded with its page): no query.
        "attachments": attachment_payloads(message),
    }


def message_event(event_type: str, message: Message) -> dict:
    payload = message_payload(message)
    if event_type == "message.new":
        payload["reactions"] = []  # none yet: the shape of a message in history
    return {"type": event_type, "message": payload}


def room_ref(room: Room) -> dict:
    return {
        "id": room.pk,
        "kind": room.kind,
        "name": room.name,
        "visibility": room.visibility,
        "history_visible": room.history_visible,
    }


def room_event(event_type: str, room: Room) -> dict:
    return {"type": event_type, "room": room_ref(room)}


def member_event(event_type: str, room_id: int, user, **changes) -> dict:
    return {"type": event_type, "room": room_id, "user": user_ref(user), **changes}


def invitation_payload(invitation: Invitation) -> dict:
    """InvitationSerializer's output (chat/api/serializers.py), as the invitee's tabs get it."""
    inviter = invitation.invited_by
    return {
        "id": invitation.pk,
        "room": room_ref(invitation.room),
        "invited_by": None if inviter is None else user_ref(inviter),
        "created": timestamp(invitation.created),
    }


def invitation_event(invitation: Invitation) -> dict:
    return {"type": "invitation.new", "invitation": invitation_payload(invitation)}


def invitation_removed_event(invitation: Invitation) -> dict:
    """The invitation is gone (accepted, declined, withdrawn): the invitee's tabs drop it."""
    return {"type": "invitation.removed", "invitation": invitation.pk, "room": invitation.room_id}


def reaction_event(event_type: str, message: Message, user, emoji: str, count: int) -> dict:
    return {
        "type": event_type,
        "room": message.room_id,
        "message": message.pk,
        "user": user_ref(user),
        "emoji": emoji,
        "count": count,
        "change": message.change,
    }


def read_event(room_id: int, user, message_id: int | None) -> dict:
    return {"type": "room.read", "room": room_id, "user": user_ref(user), "message": message_id}
