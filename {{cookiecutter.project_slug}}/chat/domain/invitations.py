"""Invitations to group rooms, and members added directly by a room's owner or admins.

The invitee's every tab hears of an invitation at once (`invitation.new`) and of its end
(`invitation.removed`: accepted, declined or withdrawn). An invitation is how anyone gets
into a private room; admission (chat/domain/group_rooms.py `admit`) applies the size limit,
bans and blocks to an accepted invitation and to a direct add alike.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Ban, Block, Invitation, Membership
from ..realtime import publish
from .after_commit import publish_after_commit
from .errors import Forbidden, Invalid, NotFound
from .events import invitation_event
from .group_rooms import admit, locked_group, moderator_membership
from .memberships import tell_moderators, withdraw_invitation
from .validation import clean_id


def invitee(actor, user_id):
    """The active user a moderator names, or NotFound (the same answer whoever it is)."""
    user_id = clean_id(user_id, "user")
    if user_id == actor.pk:
        raise Invalid("You cannot invite or add yourself.", "user")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such user.", "user")
    return user


def invite(actor, room_id: int, user_id) -> tuple[Invitation, bool]:
    """Invite a user to the room (owner or admins); inviting twice is harmless."""
    user = invitee(actor, user_id)
    with transaction.atomic():
        room = locked_group(room_id)
        moderator_membership(actor, room.pk)
        if Membership.objects.filter(room=room, user=user).exists():
            raise Invalid("This user is already a member.", "user")
        if Ban.objects.filter(room=room, user=user).exists():
            raise Forbidden("This user is banned from this room: unban them first.")
        if Block.objects.filter(blocker=user, blocked=actor).exists():
            raise Forbidden("This user has blocked you.")
        invitation, created = Invitation.objects.get_or_create(
            room=room, user=user, defaults={"invited_by": actor}
        )
        if created:
            event = invitation_event(invitation)
            publish_after_commit(lambda: publish.publish_to_user_sync(user.pk, event))
            tell_moderators(room.pk)
    return invitation, created


def add_directly(actor, room_id: int, user_id) -> Membership:
    """A moderator adds a user without asking them, where CHAT_MODERATORS_ADD_MEMBERS allows."""
    if not settings.CHAT_MODERATORS_ADD_MEMBERS:
        raise Forbidden("Members join by invitation here: invite this user instead.")
    user = invitee(actor, user_id)
    with transaction.atomic():
        room = locked_group(room_id)
        moderator_membership(actor, room.pk)
        existing = Membership.objects.filter(room=room, user=user).first()
        if existing is not None:
            raise Invalid("This user is already a member.", "user")
        return admit(room, user, by=actor)


def pending_invitations(user):
    """The user's invitations, newest first."""
    return Invitation.objects.filter(user=user).select_related("room", "invited_by").order_by("-id")


def room_invitations(actor, room_id: int):
    """The room's pending invitations, newest first, for its owner and admins."""
    moderator_membership(actor, room_id)
    return (
        Invitation.objects.filter(room_id=room_id)
        .select_related("room", "user", "invited_by")
        .order_by("-id")
    )


def own_invitation(user, invitation_id) -> Invitation:
    invitation = (
        Invitation.objects.select_related("room")
        .filter(pk=clean_id(invitation_id, "invitation"), user=user)
        .first()
    )
    if invitation is None:
        raise NotFound("No such invitation.")
    return invitation


def accept_invitation(user, invitation_id) -> Membership:
    with transaction.atomic():
        room = locked_group(own_invitation(user, invitation_id).room_id)
        own_invitation(user, invitation_id)  # still there, now that the room is locked
        return admit(room, user)


def decline_invitation(user, invitation_id) -> None:
    with transaction.atomic():
        invitation = own_invitation(user, invitation_id)
        withdraw_invitation(invitation)
        tell_moderators(invitation.room_id)


def cancel_invitation(actor, room_id: int, user_id) -> None:
    """An owner or admin withdraws a pending invitation."""
    with transaction.atomic():
        moderator_membership(actor, room_id)
        invitation = Invitation.objects.filter(
            room_id=room_id, user_id=clean_id(user_id, "user")
        ).first()
        if invitation is None:
            raise NotFound("That user has no pending invitation to this room.")
        withdraw_invitation(invitation)
        tell_moderators(room_id)
