"""1-to-1 conversations: exactly two members, one conversation per pair (a unique column).

A conversation starts with its first message: nobody is shown a conversation that
someone opened with them and left empty, so opening one reveals nothing to its target
until there is something to read. Without a message the answer is the same 404 for a
user who does not exist, one who is inactive, and one you have not talked to yet.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from users.locking import lock_users

from ..models import Block, Membership, Message, Room
from ..realtime.publish import (
    publish_blocked_sync,
    publish_membership_sync,
    publish_to_user_sync,
)
from .access import membership_for
from .after_commit import publish_after_commit
from .errors import ChatError, Forbidden, Invalid, NotFound
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
    if Block.objects.filter(blocker=other, blocked=user).exists():
        raise Forbidden("This user has blocked you: you cannot start a conversation.")
    key = pair_key(user.pk, other.pk)
    try:
        with transaction.atomic():
            lock_users([user.pk, other.pk])  # both at once, in one order, for add_member
            room = Room.objects.create(
                kind=Room.Kind.DIRECT,
                direct_pair=key,
                created_by=user,
                visibility=Room.Visibility.PRIVATE,
            )
            add_member(room, user, peer=other)
            peer = add_member(room, other, peer=user)
            if Block.objects.filter(blocker=user, blocked=other).exists():
                # They may read what the blocker sends; their own sends stay refused, and their
                # sockets, told, relay none of their typing there.
                peer.blocked_by_peer = True
                peer.save(update_fields=["blocked_by_peer"])
                room_id = room.pk
                publish_after_commit(lambda: publish_blocked_sync(other.pk, room_id, True))
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


def hide_direct(user, room_id) -> Membership:
    """Hide a 1-to-1 from the user's room list until its next message; their tabs hear of it."""
    with transaction.atomic():
        membership = membership_for(user, room_id)
        if membership.room.kind != Room.Kind.DIRECT:
            raise Invalid("Only 1-to-1 conversations can be hidden.", "room")
        newest = Message.objects.filter(room_id=membership.room_id).order_by("-id")
        membership.hidden_through = newest.values_list("id", flat=True).first() or 0
        membership.save(update_fields=["hidden_through"])
        event = {"type": "room.hidden", "room": membership.room_id}
        publish_after_commit(lambda: publish_to_user_sync(user.pk, event))
    return membership
