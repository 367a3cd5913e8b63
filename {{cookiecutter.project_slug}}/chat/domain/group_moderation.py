"""Moderating a group room: roles, ownership, removing and banning members.

The owner appoints and demotes admins and may hand the room over; owners and admins remove
and ban members, but only the owner acts on an admin, and nobody on the owner.
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Ban, Invitation, Membership
from .errors import Forbidden, Invalid, NotFound
from .group_rooms import locked_group, moderator_membership, owner_membership
from .memberships import change_role, remove_membership, tell_moderators, withdraw_invitation
from .validation import clean_id

ASSIGNABLE_ROLES = (Membership.Role.ADMIN, Membership.Role.MEMBER)


def target_membership(room_id: int, user_id) -> Membership:
    membership = (
        Membership.objects.select_related("room", "user")
        .filter(room_id=room_id, user_id=clean_id(user_id, "user"))
        .first()
    )
    if membership is None:
        raise NotFound("That user is not a member of this room.")
    return membership


def check_may_act_on(moderator: Membership, target: Membership) -> None:
    if target.user_id == moderator.user_id:
        raise Forbidden("You cannot do this to yourself.")
    if target.role == Membership.Role.OWNER or (
        target.role == Membership.Role.ADMIN and moderator.role != Membership.Role.OWNER
    ):
        raise Forbidden("Only the owner acts on admins, and nobody on the owner.")


def remove_member(actor, room_id: int, user_id) -> None:
    """Remove a member; they may come back (join, or be invited) unless banned."""
    with transaction.atomic():
        locked_group(room_id)
        moderator = moderator_membership(actor, room_id)
        target = target_membership(room_id, user_id)
        check_may_act_on(moderator, target)
        remove_membership(target, "removed")


def set_role(actor, room_id: int, user_id, role) -> Membership:
    """The owner makes a member an admin, or an admin a member again."""
    if role not in ASSIGNABLE_ROLES:
        raise Invalid(
            'role must be "admin" or "member" (to hand the room over, transfer it).', "role"
        )
    with transaction.atomic():
        locked_group(room_id)
        owner = owner_membership(actor, room_id)
        target = target_membership(room_id, user_id)
        check_may_act_on(owner, target)
        if target.role != role:
            change_role(target, role)
    return target


def transfer_ownership(actor, room_id: int, user_id) -> Membership:
    """The owner hands the room to another member and stays on as an admin."""
    with transaction.atomic():
        locked_group(room_id)
        owner = owner_membership(actor, room_id)
        target = target_membership(room_id, user_id)
        if target.pk == owner.pk:
            raise Invalid("You already own this room.", "user")
        change_role(owner, Membership.Role.ADMIN)
        change_role(target, Membership.Role.OWNER)
    return target


def ban_user(actor, room_id: int, user_id) -> tuple[Ban, bool]:
    """Ban a user (a member is removed; a pending invitation withdrawn): they cannot join, be
    invited or be added until unbanned. Banning twice is harmless. Returns (ban, created)."""
    user = get_user_model().objects.filter(pk=clean_id(user_id, "user")).first()
    if user is None:
        raise NotFound("No such user.", "user")
    with transaction.atomic():
        room = locked_group(room_id)
        moderator = moderator_membership(actor, room_id)
        target = Membership.objects.filter(room=room, user=user).select_related("user").first()
        if target is not None:
            check_may_act_on(moderator, target)
            target.room = room
            remove_membership(target, "banned")
        elif user.pk == actor.pk:
            raise Forbidden("You cannot do this to yourself.")
        withdraw_invitation(Invitation.objects.filter(room=room, user=user).first())
        ban, created = Ban.objects.get_or_create(
            room=room, user=user, defaults={"banned_by": actor}
        )
        if created:
            tell_moderators(room.pk)
        return ban, created


def unban_user(actor, room_id: int, user_id) -> None:
    with transaction.atomic():
        moderator_membership(actor, room_id)
        deleted, _ = Ban.objects.filter(room_id=room_id, user_id=clean_id(user_id, "user")).delete()
        if not deleted:
            raise NotFound("That user is not banned from this room.")
        tell_moderators(room_id)


def room_bans(actor, room_id: int):
    """The room's bans, newest first, for its owner and admins."""
    moderator_membership(actor, room_id)
    return Ban.objects.filter(room_id=room_id).select_related("user", "banned_by").order_by("-id")
