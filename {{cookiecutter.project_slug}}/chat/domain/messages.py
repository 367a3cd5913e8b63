"""Editing and deleting a stored message: its sender edits, its sender or a moderator deletes."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from attachments.linking import carries_any as carries_attachments
from attachments.linking import delete_for as delete_attachments

from ..models import Membership, Message, Reaction, Room
from ..realtime import publish
from .access import refuse_if_blocked
from .after_commit import publish_after_commit
from .errors import Forbidden, Invalid, NotFound
from .events import message_event
from .validation import clean_body, clean_id


def readable_message(user, message_id, locked: bool = False) -> Message:
    """The message, if `user` belongs to its room and may read it (a newcomer to a room that
    hides its history reads only what came after); NotFound otherwise, its existence included.
    `locked`: its row locked until the transaction ends, and read as the last change to it left
    it."""
    message_id = clean_id(message_id, "message")
    message = Message.objects.select_related("sender", "reply_to__sender").filter(pk=message_id)
    if locked:
        message = message.select_for_update(of=("self",), no_key=True)
    message = message.filter(
        room__memberships__user=user, id__gt=F("room__memberships__history_from")
    ).first()
    if message is None:
        raise NotFound("No such message.")
    return message


def lock_room_of(message_id) -> None:
    """Lock the room of the message (if there is one) until the transaction ends: a change to a
    stored message is numbered under that lock (number_change). Taken before the message's own
    lock, in the order a send and a room's deletion take the two, so none waits on another."""
    message_id = clean_id(message_id, "message")
    rooms = Room.objects.select_for_update(of=("self",), no_key=True)
    list(rooms.filter(messages__pk=message_id).values_list("pk", flat=True))


def number_change(message: Message) -> None:
    """Give this change to the message (the caller stores it) the room's next change number, in
    the room's locked row until the commit: numbers are handed out in the order changes
    commit, so that a client that read the room's last_change misses none after it."""
    rooms = Room.objects.filter(pk=message.room_id)
    rooms.update(last_change=F("last_change") + 1)
    message.change = rooms.values_list("last_change", flat=True).get()


def editable_message(user, message_id) -> tuple[Message, Membership]:
    """The message and the user's membership of its room, for a change in this transaction.

    The row is locked first (after its room's): an edit and a deletion at once take turns, and
    the second sees what the first did (an edit that came second had put the deleted text
    back). A membership ended meanwhile (a leave, a ban) refuses the change as the message's
    access check would.
    """
    lock_room_of(message_id)
    message = readable_message(user, message_id, locked=True)
    if message.deleted is not None:
        raise NotFound("No such message.")
    membership = Membership.objects.filter(room_id=message.room_id, user=user).first()
    if membership is None:
        raise NotFound("No such message.")
    return message, membership


def edit_message(user, message_id, body) -> Message:
    body = clean_body(body, allow_empty=True)
    with transaction.atomic():
        message, membership = editable_message(user, message_id)
        if message.sender_id != user.pk:
            raise Forbidden("Only the sender can edit a message.")
        refuse_if_blocked(membership)
        # As at its send: a message that carries files may lose its caption, not its all.
        if not body and not carries_attachments(message):
            raise Invalid("body must not be empty.", "body")
        message.body, message.edited = body, timezone.now()
        number_change(message)
        message.save(update_fields=["body", "edited", "change"])
        publish_after_commit(
            lambda: publish.publish_to_room_sync(
                message.room_id, message_event("message.updated", message)
            )
        )
    return message


def delete_message(user, message_id) -> Message:
    """Soft delete: the row stays (history keeps its place), the body and attachments go."""
    with transaction.atomic():
        message, membership = editable_message(user, message_id)
        if message.sender_id != user.pk and not membership.moderates:
            raise Forbidden("Only the sender or a room owner or admin can delete a message.")
        soft_delete(message)
    return message


def soft_delete(message: Message) -> None:
    """Within the caller's transaction: the body goes, the room's sockets hear of it at commit.
    Also how staff delete a message in the admin (chat/domain/staff.py)."""
    message.body, message.deleted = "", timezone.now()
    number_change(message)
    message.save(update_fields=["body", "deleted", "change"])
    delete_attachments(message)  # their files once this commits
    # Reactions to nothing: none may be added to a deleted message, and none stay.
    Reaction.objects.filter(message=message).delete()
    publish_after_commit(
        lambda: publish.publish_to_room_sync(
            message.room_id, message_event("message.deleted", message)
        )
    )
