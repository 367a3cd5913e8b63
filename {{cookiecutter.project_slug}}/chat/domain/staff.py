"""What staff do in the Django admin, through the same changes and events as everyone else's.

The admin holds no membership, so it skips the members' authorisation; everything after it
is the service layer's own: a deleted message is the same soft delete with its event, a
membership added, changed or removed moves the member's sockets, a room changed or deleted
is heard by its members' tabs.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Membership, Message, Room
from ..realtime import publish
from .after_commit import publish_after_commit
from .errors import Forbidden
from .events import room_event
from .memberships import add_member, change_role, delete_room, remove_membership, tell_moderators
from .messages import lock_room_of, soft_delete


def delete_messages(messages) -> int:
    """Soft-delete these messages (those not deleted yet); returns how many."""
    deleted = 0
    with transaction.atomic():
        # Room by room, in one order, each room locked before its message, as a member's
        # deletion locks them: one that deleted it meanwhile is seen, not deleted again.
        for message_id in messages.order_by("room_id", "pk").values_list("pk", flat=True):
            lock_room_of(message_id)
            locked = Message.objects.select_for_update(of=("self",), no_key=True)
            message = locked.select_related("sender", "reply_to").filter(pk=message_id).first()
            if message is not None and message.deleted is None:
                soft_delete(message)
                deleted += 1
    return deleted


def add_membership(room: Room, user, role: str) -> Membership:
    """Staff add a member: no invitation, no ban check (staff decide), the size limit kept."""
    with transaction.atomic():
        room = Room.objects.select_for_update().get(pk=room.pk)
        if room.kind == Room.Kind.DIRECT:
            raise Forbidden("A 1-to-1 conversation has its two members for good.")
        if room.memberships.count() >= settings.CHAT_MAX_ROOM_MEMBERS:
            raise Forbidden(f"This room is full ({settings.CHAT_MAX_ROOM_MEMBERS} members).")
        return add_member(room, user, role)


def change_membership(membership: Membership, role: str) -> None:
    with transaction.atomic():
        change_role(membership, role)


def remove_memberships(memberships) -> None:
    with transaction.atomic():
        for membership in memberships.select_related("room", "user"):
            remove_membership(membership, "removed")


def room_changed(room: Room) -> None:
    """Save a room staff changed; its members' tabs hear of it."""
    with transaction.atomic():
        room.save()
        publish_after_commit(
            lambda: publish.publish_to_room_sync(room.pk, room_event("room.updated", room))
        )


def delete_rooms(rooms) -> None:
    """Delete rooms; every member's tabs leave them at commit."""
    with transaction.atomic():
        for room in rooms:
            delete_room(room)


def resolve_reports(reports) -> int:
    """Mark these reports resolved; the moderators of their rooms see them leave their lists."""
    open_reports = reports.filter(resolved__isnull=True)
    with transaction.atomic():
        for room_id in set(open_reports.values_list("message__room_id", flat=True)):
            tell_moderators(room_id)
        return open_reports.update(resolved=timezone.now())
