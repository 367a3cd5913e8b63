"""Read state: each member's read cursor (the newest message read), unread counts, receipts.

A cursor only moves forward. Every socket of the reader, in every process, hears of the move
(`room.read`), so that reading in one tab clears the badge in all of them. The room's other
members hear of it too (read receipts) while the room has at most CHAT_READ_RECEIPTS_MAX_MEMBERS
members: above that, each read would cost a frame to every member, so receipts are read on
request instead (GET /api/rooms/<id>/members/, `last_read`).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from ..models import Membership, Message, Room
from ..realtime import publish
from .access import membership_for, visible_messages
from .after_commit import publish_after_commit
from .errors import NotFound
from .events import read_event
from .validation import clean_id


def mark_read(user, room_id, message_id) -> dict:
    """Move the user's cursor in the room up to the message; never back. Returns the state."""
    message_id = clean_id(message_id, "message")
    with transaction.atomic():
        membership = membership_for(user, room_id)
        if not visible_messages(membership).filter(pk=message_id).exists():
            raise NotFound("No such message in this room.", "message")
        earlier = Q(last_read_message__isnull=True) | Q(last_read_message_id__lt=message_id)
        moved = Membership.objects.filter(earlier, pk=membership.pk).update(
            last_read_message_id=message_id
        )
        cursors = Membership.objects.filter(pk=membership.pk).values_list(
            "last_read_message_id", flat=True
        )
        if not (cursors := list(cursors)):  # left, or removed, since the membership was found
            raise NotFound("No such room.")
        (cursor,) = cursors
        if moved:
            event = read_event(membership.room_id, user, cursor)
            to_room = (
                Membership.objects.filter(room_id=membership.room_id).count()
                <= settings.CHAT_READ_RECEIPTS_MAX_MEMBERS
            )
            publish_after_commit(lambda: publish_read(membership.room_id, user.pk, event, to_room))
        unread = with_unread(Room.objects.filter(pk=membership.room_id), user)
        unread = unread.values_list("unread", flat=True).get()
    return {"room": membership.room_id, "message": cursor, "unread": unread, "moved": bool(moved)}


def publish_read(room_id: int, user_id: int, event: dict, to_room: bool) -> None:
    if to_room:
        publish.publish_to_room_sync(room_id, event)
    else:
        publish.publish_to_user_sync(user_id, event)


def with_unread(rooms, user):
    """The rooms annotated with `read_cursor` and `unread` (meaningful where `user` is a member)."""
    cursor = Membership.objects.filter(room=OuterRef("pk"), user=user)
    unread = (
        Message.objects.filter(
            room=OuterRef("pk"), deleted__isnull=True, id__gt=Coalesce(OuterRef("read_cursor"), 0)
        )
        .exclude(sender=user)
        .order_by()
        .values("room")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # A newcomer, until they read, has nothing unread from before they joined.
    read_cursor = Coalesce("last_read_message_id", "unread_from")
    return rooms.annotate(
        read_cursor=Subquery(cursor.annotate(at=read_cursor).values("at")[:1])
    ).annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


def unread_total(user) -> int:
    """Unread messages in all the user's rooms: one query."""
    rooms = with_unread(Room.objects.filter(memberships__user=user), user)
    return rooms.aggregate(total=Coalesce(Sum("unread"), 0))["total"]
