"""Joining and leaving rooms in the caller's transaction; the user's sockets follow at commit."""

from ..models import Membership, Room
from ..realtime import publish
from .after_commit import publish_after_commit
from .events import member_event, room_event


def add_member(room: Room, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Within the caller's transaction: the user's sockets follow the room once it commits."""
    membership = Membership.objects.create(room=room, user=user, role=role)
    publish_after_commit(lambda: publish_joined(room, user))
    return membership


def publish_joined(room: Room, user) -> None:
    publish.publish_membership_sync(user.pk, room.pk, True, room_event("room.joined", room))
    publish.publish_to_room_sync(room.pk, member_event("member.joined", room.pk, user))


def remove_membership(membership: Membership) -> None:
    """Within the caller's transaction: the user's sockets stop following the room at commit."""
    room, user = membership.room, membership.user
    membership.delete()
    publish_after_commit(lambda: publish_left(room, user))


def publish_left(room: Room, user) -> None:
    publish.publish_membership_sync(user.pk, room.pk, False, room_event("room.left", room))
    publish.publish_to_room_sync(room.pk, member_event("member.left", room.pk, user))
