"""Joining and leaving rooms, roles, invitations ending, rooms deleted: each in the caller's
transaction, the sockets concerned following at commit."""

from typing import Literal

from django.conf import settings

from users.locking import lock_users

from ..models import Invitation, Membership, Message, Room
from ..realtime import publish
from .after_commit import publish_after_commit
from .errors import Forbidden
from .events import invitation_removed_event, member_event, room_event, user_ref


def add_member(room: Room, user, role: str = Membership.Role.MEMBER, *, peer=None) -> Membership:
    """Within the caller's transaction: the user's sockets follow the room once it commits.
    `peer`: in a 1-to-1, the other person, whom the user's `room.joined` names.

    Every way into a room comes here, so the bound on a user's rooms holds for all of them:
    each room is a subscription per server process for every socket of the user, paid at
    each handshake (a user in thousands of rooms slowed everyone's). The user's row is locked
    while their rooms are counted, so that joins racing one another count one at a time.
    """
    lock_users([user.pk])
    limit = settings.CHAT_MAX_ROOMS_PER_USER
    if Membership.objects.filter(user=user).count() >= limit:
        raise Forbidden(
            f"A user may be in at most {limit} rooms, and {user.username} is in as many."
        )
    newest = newest_message_id(room)
    membership = Membership.objects.create(
        room=room,
        user=user,
        role=role,
        # A newcomer to a room that hides its past reads only what comes after them.
        history_from=0 if room.history_visible else newest,
        unread_from=newest,
    )
    publish_after_commit(lambda: publish_joined(room, user, peer, membership.history_from))
    return membership


def newest_message_id(room: Room) -> int:
    """The id of the room's newest message, or 0."""
    newest = Message.objects.filter(room=room).order_by("-id").values_list("id", flat=True)
    return newest.first() or 0


def change_role(membership: Membership, role: str) -> None:
    """Within the caller's transaction: the room's sockets hear of the new role at commit."""
    membership.role = role
    membership.save(update_fields=["role"])
    event = member_event("member.updated", membership.room_id, membership.user, role=role)
    publish_after_commit(lambda: publish.publish_to_room_sync(membership.room_id, event))


def publish_joined(room: Room, user, peer=None, history_from: int = 0) -> None:
    joined = room_event("room.joined", room)
    if peer is not None:
        joined["room"]["peer"] = user_ref(peer)
    publish.publish_membership_sync(user.pk, room.pk, True, joined, history_from)
    publish.publish_to_room_sync(room.pk, member_event("member.joined", room.pk, user))


# Why a user's sockets get `room.left`, as its `reason` says (docs/websocket.md).
LeftBecause = Literal["left", "removed", "banned", "deleted"]


def remove_membership(membership: Membership, reason: LeftBecause) -> None:
    """Within the caller's transaction: the user's sockets stop following the room at commit."""
    room, user = membership.room, membership.user
    membership.delete()
    publish_after_commit(lambda: publish_left(room, user, reason))


def publish_left(room: Room, user, reason: LeftBecause) -> None:
    left = {**room_event("room.left", room), "reason": reason}
    publish.publish_membership_sync(user.pk, room.pk, False, left)
    publish.publish_to_room_sync(room.pk, member_event("member.left", room.pk, user))


def tell_moderators(room_id: int) -> None:
    """Within the caller's transaction: at commit, the room's owner and admins hear that its
    pending invitations, bans or open reports changed (`room.moderation`), to read them again."""
    moderators = list(
        Membership.objects.filter(
            room_id=room_id, role__in=(Membership.Role.OWNER, Membership.Role.ADMIN)
        ).values_list("user_id", flat=True)
    )
    if moderators:
        event = {"type": "room.moderation", "room": room_id}
        publish_after_commit(lambda: publish.publish_to_users_sync(moderators, event))


def withdraw_invitation(invitation: Invitation | None) -> None:
    """Within the caller's transaction: the invitee's tabs drop the invitation at commit."""
    if invitation is None:
        return
    event, user_id = invitation_removed_event(invitation), invitation.user_id
    invitation.delete()
    publish_after_commit(lambda: publish.publish_to_user_sync(user_id, event))


def delete_room(room: Room) -> None:
    """Within the caller's transaction: every member's sockets leave the room at commit, and
    every invitee's drop their invitation.

    The room's row, then its memberships', are locked before what goes with it is collected:
    a send, a join (which lock the room) or a reaction (which locks the reactor's membership)
    under way finishes first, and its rows go too; those that come after find the room gone.
    Collected first, the rows of a member sending steadily failed the deletion at commit.
    """
    list(Room.objects.select_for_update().filter(pk=room.pk).values_list("pk"))
    list(Membership.objects.select_for_update().filter(room=room).values_list("pk"))
    event, room_pk = {**room_event("room.left", room), "reason": "deleted"}, room.pk
    for invitation in room.invitations.all():
        withdraw_invitation(invitation)
    room.delete()
    publish_after_commit(lambda: publish.publish_to_room_sync(room_pk, event, closes_room=True))
