"""Group rooms: create, join, leave, rename, remove members, delete. Owners and admins moderate."""

from django.conf import settings
from django.db import transaction

from ..models import Membership, Room
from ..realtime import publish
from .after_commit import publish_after_commit
from .errors import Forbidden, Invalid, NotFound
from .events import room_event
from .memberships import add_member, remove_membership
from .validation import clean_text


def clean_name(name) -> str:
    name = clean_text(name, "name").strip()
    if not name:
        raise Invalid("name must not be empty.", "name")
    if len(name) > Room._meta.get_field("name").max_length:
        raise Invalid("name is too long.", "name")
    return name


def create_group(user, name) -> Room:
    with transaction.atomic():
        room = Room.objects.create(kind=Room.Kind.GROUP, name=clean_name(name), created_by=user)
        add_member(room, user, Membership.Role.OWNER)
    return room


def locked_group(room_id: int) -> Room:
    """The group room, its row locked until the transaction ends (serialises joins)."""
    room = Room.objects.select_for_update().filter(pk=room_id, kind=Room.Kind.GROUP).first()
    if room is None:
        raise NotFound("No such room.")
    return room


def join_group(user, room_id: int) -> tuple[Membership, bool]:
    """Join a group room; joining twice is harmless. Refused once the room is full."""
    with transaction.atomic():
        room = locked_group(room_id)
        existing = Membership.objects.filter(room=room, user=user).first()
        if existing is not None:
            return existing, False
        # Counted under the room's row lock: two joins at once cannot both take the last seat.
        if room.memberships.count() >= settings.CHAT_MAX_ROOM_MEMBERS:
            raise Forbidden(f"This room is full ({settings.CHAT_MAX_ROOM_MEMBERS} members).")
        return add_member(room, user), True


def moderator_membership(user, room_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("room")
        .filter(room_id=room_id, user=user, room__kind=Room.Kind.GROUP)
        .first()
    )
    if membership is None:
        if not Room.objects.filter(pk=room_id, kind=Room.Kind.GROUP).exists():
            raise NotFound("No such room.")
        raise Forbidden("You are not a member of this room.")
    if not membership.moderates:
        raise Forbidden("Only the room's owner or admins can do this.")
    return membership


def leave_group(user, room_id: int) -> None:
    """Leave; an owner leaving hands the room to the longest-standing member (or deletes it)."""
    with transaction.atomic():
        room = locked_group(room_id)
        membership = Membership.objects.filter(room=room, user=user).select_related("user").first()
        if membership is None:
            raise Forbidden("You are not a member of this room.")
        membership.room = room
        remove_membership(membership)
        if membership.role == Membership.Role.OWNER:
            successor = room.memberships.order_by("joined", "id").first()
            if successor is None:
                room.delete()
                return
            successor.role = Membership.Role.OWNER
            successor.save(update_fields=["role"])


def remove_member(actor, room_id: int, user_id: int) -> None:
    with transaction.atomic():
        moderator = moderator_membership(actor, room_id)
        target = (
            Membership.objects.select_related("room", "user")
            .filter(room_id=room_id, user_id=user_id)
            .first()
        )
        if target is None:
            raise NotFound("That user is not a member of this room.")
        if target.role == Membership.Role.OWNER or (
            target.role == Membership.Role.ADMIN and moderator.role != Membership.Role.OWNER
        ):
            raise Forbidden("Only the owner can remove admins, and nobody removes the owner.")
        remove_membership(target)


def rename_group(actor, room_id: int, name) -> Room:
    name = clean_name(name)
    with transaction.atomic():
        room = moderator_membership(actor, room_id).room
        room.name = name
        room.save(update_fields=["name"])
        publish_after_commit(
            lambda: publish.publish_to_room_sync(room.pk, room_event("room.updated", room))
        )
    return room


def delete_group(actor, room_id: int) -> None:
    with transaction.atomic():
        room = moderator_membership(actor, room_id).room
        event = room_event("room.left", room)
        room_pk = room.pk
        room.delete()
        publish_after_commit(lambda: publish.publish_to_room_sync(room_pk, event, closes_room=True))
