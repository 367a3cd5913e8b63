"""Who may see a room and who belongs to it: the checks every read and write starts with."""

from core.precompiled import Precompiled

from ..models import Invitation, Membership, Message, Room
from .errors import Forbidden, NotFound
from .validation import clean_id


def room_for(user, room_id) -> Room:
    """The room, if `user` may see it: public groups to anyone; private groups to their members
    and the users invited; 1-to-1 conversations (always private) to their two members."""
    room = Room.objects.filter(pk=clean_id(room_id, "room")).first()
    if room is None or (room.is_private and not may_see(user, room)):
        raise NotFound("No such room.")
    return room


def may_see(user, room: Room) -> bool:
    if is_member(user, room.pk):
        return True
    return room.kind == Room.Kind.GROUP and Invitation.objects.filter(room=room, user=user).exists()


def is_member(user, room_id: int) -> bool:
    return Membership.objects.filter(room_id=room_id, user=user).exists()


# Compiled once (core/precompiled.py): nearly every request about a room starts with it.
MEMBERSHIP = Precompiled(
    Membership,
    lambda room, user: Membership.objects.select_related("room").filter(room_id=room, user=user),
    room=int,
    user=int,
)


def membership_for(user, room_id) -> Membership:
    """The user's membership: NotFound if they may not see the room, Forbidden if not a member."""
    found = MEMBERSHIP.run(room=clean_id(room_id, "room"), user=user.pk, limit=1)
    membership = found[0] if found else None
    if membership is None:
        room_for(user, room_id)  # raises NotFound for rooms the user may not even see
        raise Forbidden("You are not a member of this room.")
    return membership


def sender_membership(user, room_id) -> Membership:
    """The membership of a user who may send to the room, or the error that refuses them."""
    membership = membership_for(user, room_id)
    refuse_if_blocked(membership)
    return membership


def refuse_if_blocked(membership: Membership) -> None:
    """A member of a 1-to-1 whose peer blocked them, or deleted their account, adds nothing to
    it: no message, edit, reaction or file (taking their own away stays theirs to do)."""
    if membership.blocked_by_peer:
        if (
            not Membership.objects.filter(room_id=membership.room_id)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise Forbidden(
                "The other person deleted their account: nothing more can be added here."
            )
        raise Forbidden("This user has blocked you: nothing more can be added here.")


def visible_messages(membership: Membership):
    """The room's messages this member may read: those after their history cut, if any."""
    return Message.objects.filter(room_id=membership.room_id, id__gt=membership.history_from)
