"""Blocking: a user refuses another's 1-to-1 messages, new conversations and invitations.

The Block row is the rule; the blocked user's membership of their 1-to-1 with the blocker
carries it too (`blocked_by_peer`, set in the same transaction), so that the send path
learns it from the membership query it makes anyway (chat/storage.py).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Block, Membership
from .direct_rooms import pair_key
from .errors import Invalid, NotFound
from .validation import clean_id


def blocked_user(user, other_id):
    other_id = clean_id(other_id, "user")
    if other_id == user.pk:
        raise Invalid("You cannot block yourself.", "user")
    other = get_user_model().objects.filter(pk=other_id).first()
    if other is None:
        raise NotFound("No such user.", "user")
    return other


def their_conversation(blocker_id: int, blocked_id: int):
    """The blocked user's membership of their 1-to-1 with the blocker (none if no such room)."""
    return Membership.objects.filter(
        user_id=blocked_id, room__direct_pair=pair_key(blocker_id, blocked_id)
    )


def block_user(user, other_id) -> tuple[Block, bool]:
    """Block a user; blocking twice is harmless. Returns (block, created)."""
    other = blocked_user(user, other_id)
    with transaction.atomic():
        block, created = Block.objects.get_or_create(blocker=user, blocked=other)
        their_conversation(user.pk, other.pk).update(blocked_by_peer=True)
    return block, created


def unblock_user(user, other_id) -> None:
    other_id = clean_id(other_id, "user")
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=user, blocked_id=other_id).delete()
        if not deleted:
            raise NotFound("You have not blocked this user.", "user")
        their_conversation(user.pk, other_id).update(blocked_by_peer=False)


def user_blocks(user):
    """The users `user` has blocked, most recent first."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")
