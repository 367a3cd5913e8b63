"""Group rooms: create, change, join, leave, delete; who may become a member (admission).

Owners and admins moderate (chat/domain/group_moderation.py) and invite
(chat/domain/invitations.py); every way into a room (a join, an accepted invitation, a
moderator's direct add) goes through `admit`, under the room's row lock, so the size limit
and bans hold whichever way people come in, however many at once.
"""

from django.conf import settings
from django.db import transaction

from core.text import reads_as_written

from ..models import Ban, Block, Invitation, Membership, Room
from ..realtime import publish
from .access import room_for
from .after_commit import publish_after_commit
from .errors import Forbidden, Invalid, NotFound
from .events import room_event
from .memberships import (
    add_member,
    change_role,
    delete_room,
    remove_membership,
    tell_moderators,
    withdraw_invitation,
)
from .validation import clean_text

ROOM_OPTIONS = ("visibility", "history_visible")


def clean_name(name) -> str:
    name = clean_text(name, "name").strip()
    if not name:
        raise Invalid("name must not be empty.", "name")
    if not reads_as_written(name):
        raise Invalid(
            "name must show something, and no control, invisible or text-direction characters.",
            "name",
        )
    if len(name) > Room._meta.get_field("name").max_length:
        raise Invalid("name is too long.", "name")
    return name


def clean_options(changes: dict) -> dict:
    """The room options among `changes`, checked: `visibility` and `history_visible`."""
    options = {}
    if "visibility" in changes:
        if changes["visibility"] not in Room.Visibility.values:
            raise Invalid('visibility must be "public" or "private".', "visibility")
        options["visibility"] = changes["visibility"]
    if "history_visible" in changes:
        if not isinstance(changes["history_visible"], bool):
            raise Invalid("history_visible must be true or false.", "history_visible")
        options["history_visible"] = changes["history_visible"]
    return options


def create_group(user, name, **options) -> Room:
    """A new group room that `user` owns; `options`: visibility, history_visible."""
    fields = {"name": clean_name(name), **clean_options(options)}
    with transaction.atomic():
        room = Room.objects.create(kind=Room.Kind.GROUP, created_by=user, **fields)
        add_member(room, user, Membership.Role.OWNER)
    return room


def locked_group(room_id: int) -> Room:
    """The group room, its row locked until the transaction ends (serialises admissions)."""
    room = Room.objects.select_for_update().filter(pk=room_id, kind=Room.Kind.GROUP).first()
    if room is None:
        raise NotFound("No such room.")
    return room


def admit(room: Room, user, *, by=None) -> Membership:
    """Make `user` a member of the locked `room`: refused if banned, blocked or the room is
    full. Their pending invitation, if any, is used up. `by`: the moderator adding them."""
    if Ban.objects.filter(room=room, user=user).exists():
        raise Forbidden("You are banned from this room." if by is None else "This user is banned.")
    if by is not None and Block.objects.filter(blocker=user, blocked=by).exists():
        raise Forbidden("This user has blocked you.")
    # Counted under the room's row lock: two admissions at once cannot both take the last seat.
    if room.memberships.count() >= settings.CHAT_MAX_ROOM_MEMBERS:
        raise Forbidden(f"This room is full ({settings.CHAT_MAX_ROOM_MEMBERS} members).")
    invitation = Invitation.objects.filter(room=room, user=user).first()
    if invitation is not None:
        withdraw_invitation(invitation)
        tell_moderators(room.pk)  # gone from their list of pending invitations
    return add_member(room, user)


def join_group(user, room_id: int) -> tuple[Membership, bool]:
    """Join a public group room, or a private one you are invited to; twice is harmless."""
    with transaction.atomic():
        room = locked_group(room_id)
        existing = Membership.objects.filter(room=room, user=user).first()
        if existing is not None:
            return existing, False
        if (
            room.visibility == Room.Visibility.PRIVATE
            and not Invitation.objects.filter(room=room, user=user).exists()
        ):
            raise NotFound("No such room.")  # the same answer as for a room that is not there
        return admit(room, user), True


def moderator_membership(user, room_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("room")
        .filter(room_id=room_id, user=user, room__kind=Room.Kind.GROUP)
        .first()
    )
    if membership is None:
        room = Room.objects.filter(pk=room_id, kind=Room.Kind.GROUP).first()
        if room is None or room.visibility == Room.Visibility.PRIVATE:
            raise NotFound("No such room.")
        raise Forbidden("You are not a member of this room.")
    if not membership.moderates:
        raise Forbidden("Only the room's owner or admins can do this.")
    return membership


def owner_membership(actor, room_id: int) -> Membership:
    membership = moderator_membership(actor, room_id)
    if membership.role != Membership.Role.OWNER:
        raise Forbidden("Only the room's owner can do this.")
    return membership


def leave_group(user, room_id: int, *, hand_over: bool = False) -> None:
    """Leave the room. Its owner must hand it over first (group_moderation.transfer_ownership)
    unless they are its last member, whose leaving deletes it. `hand_over`: the owner's
    account is going, so the room passes to an admin, else the longest-standing member."""
    with transaction.atomic():
        room = locked_group(room_id)
        membership = Membership.objects.filter(room=room, user=user).select_related("user").first()
        if membership is None:
            # As every other route answers: a private room is unknown to those outside it.
            room_for(user, room.pk)
            raise Forbidden("You are not a member of this room.")
        successor = None
        if membership.role == Membership.Role.OWNER:
            others = room.memberships.exclude(pk=membership.pk)
            successor = (
                others.filter(role=Membership.Role.ADMIN).order_by("joined", "id").first()
                or others.order_by("joined", "id").first()
            )
            if successor is None:
                delete_room(room)
                return
            if not hand_over:
                raise Forbidden(
                    "The owner cannot leave a room that has other members: transfer the "
                    "ownership first, or delete the room."
                )
        membership.room = room
        remove_membership(membership, "left")
        if successor is not None:
            change_role(successor, Membership.Role.OWNER)


def update_group(actor, room_id: int, changes: dict) -> Room:
    """Rename (owner or admins); change visibility or history_visible (owner only)."""
    fields = {}
    if "name" in changes:
        fields["name"] = clean_name(changes["name"])
    fields.update(clean_options(changes))
    with transaction.atomic():
        membership = moderator_membership(actor, room_id)
        if fields.keys() & set(ROOM_OPTIONS) and membership.role != Membership.Role.OWNER:
            raise Forbidden("Only the room's owner can change its visibility or history.")
        room = membership.room
        if fields:
            for name, value in fields.items():
                setattr(room, name, value)
            room.save(update_fields=list(fields))
            publish_after_commit(
                lambda: publish.publish_to_room_sync(room.pk, room_event("room.updated", room))
            )
    return room


def delete_group(actor, room_id: int) -> None:
    """The owner deletes the room, its history with it: admins, appointed to keep order, cannot
    take away what the owner keeps."""
    with transaction.atomic():
        delete_room(owner_membership(actor, room_id).room)
