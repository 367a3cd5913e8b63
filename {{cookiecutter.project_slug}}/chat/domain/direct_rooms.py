"""1-to-1 conversations: exactly two members, one conversation per pair (a unique column).

A conversation starts with its first message: nobody is shown a conversation that
someone opened with them and left empty, so opening one reveals nothing to its target
until there is something to read. Without a message the answer is the same 404 for a
user who does not exist, one who is inactive, and one you have not talked to yet.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from ..models import Message, Room
from ..realtime.publish import publish_membership_sync
from .errors import ChatError, Invalid, NotFound
from .memberships import add_member
from .sending import SendRequest, send_message, send_messages
from .validation import clean_id

NO_CONVERSATION = "No conversation with this user: send a first message to start one."


def pair_key(first_id: int, second_id: int) -> str:
    low, high = sorted((first_id, second_id))
    return f"{low}:{high}"


def find_direct(user, other_id) -> Room | None:
    """The conversation of `user` with the user of id `other_id`, if they have one."""
    if clean_id(other_id, "user") == user.pk:
        raise Invalid("A conversation needs another user.", "user")
    return Room.objects.filter(direct_pair=pair_key(user.pk, other_id)).first()


def start_direct(user, other_id: int, body, client_id) -> tuple[Room, Message, bool]:
    """Start the conversation with its first message; returns (room, message, created).

    `other_id` has passed find_direct. If the other user opened the conversation
    meanwhile, the message goes into theirs (created is False).
    """
    other = get_user_model().objects.filter(pk=other_id, is_active=True).first()
    if other is None:
        raise NotFound("No such user.")
    key = pair_key(user.pk, other.pk)
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, direct_pair=key, created_by=user)
            add_member(room, user)
            add_member(room, other)
            request = SendRequest(user, room.pk, body, client_id)
            (result,) = send_messages([request], publish=deliver_to_users(user.pk, other.pk))
            if isinstance(result, ChatError):
                raise result  # rolls the new conversation back: it never existed
    except IntegrityError:
        # Both users started the conversation at once: the unique pair kept it to one room.
        room = Room.objects.get(direct_pair=key)
        return room, send_message(user, room.pk, body, client_id)[0], False
    return room, result[0], True


def deliver_to_users(*user_ids: int):
    """Publish a new conversation's first message on its members' own groups.

    A server process subscribes to a new room's group only when it handles the join
    (room.joined) of one of its sockets: a message sent to the room's group at the same
    time could get there first, and be missed. Each user's group carries the join and
    then this message, in that order, to every socket of the user.
    """

    def publish(events: list[tuple[int, dict]]) -> None:
        for room_id, event in events:
            for user_id in user_ids:
                # A join again is harmless (the sockets already follow the room) and
                # delivers the event after the room.joined that came before it.
                publish_membership_sync(user_id, room_id, True, event)

    return publish
