"""Who may see a room and who belongs to it: the checks every read and write starts with."""

from ..models import Membership, Room
from .errors import Forbidden, NotFound
from .validation import clean_id


def room_for(user, room_id) -> Room:
    """The room, if `user` may see it: group rooms are public, 1-to-1 rooms only to their two."""
    room = Room.objects.filter(pk=clean_id(room_id, "room")).first()
    if room is None or (room.kind == Room.Kind.DIRECT and not is_member(user, room.pk)):
        raise NotFound("No such room.")
    return room


def is_member(user, room_id: int) -> bool:
    return Membership.objects.filter(room_id=room_id, user=user).exists()


def membership_for(user, room_id) -> Membership:
    """The user's membership: NotFound if they may not see the room, Forbidden if not a member."""
    clean_id(room_id, "room")
    membership = (
        Membership.objects.select_related("room").filter(room_id=room_id, user=user).first()
    )
    if membership is None:
        room_for(user, room_id)  # raises NotFound for rooms the user may not even see
        raise Forbidden("You are not a member of this room.")
    return membership
