"""Blocking: a user refuses another's 1-to-1 messages, new conversations and invitations.

The Block row is the rule; the blocked user's membership of their 1-to-1 with the blocker
carries it too (`blocked_by_peer`, set in the same transaction), so that the send path
learns it from the membership query it makes anyway (chat/storage.py).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from ..models import Block, Membership
from ..realtime.presence import online_among_sync
from ..realtime.presence import user_ref as presence_ref
from ..realtime.publish import publish_blocked_sync, publish_to_user_sync
from .after_commit import publish_after_commit
from .direct_rooms import pair_key
from .errors import Invalid, NotFound
from .events import user_ref
from .validation import clean_id


def blocked_user(user, other_id):
    other_id = clean_id(other_id, "user")
    if other_id == user.pk:
        raise Invalid("You cannot block yourself.", "user")
    other = get_user_model().objects.filter(pk=other_id).first()
    if other is None:
        raise NotFound("No such user.", "user")
    return other


def mark_their_conversation(blocker, blocked_id: int, blocked: bool) -> None:
    """Set `blocked_by_peer` on the blocked user's membership of their 1-to-1 with the blocker,
    if they have one, and tell the blocked user's sockets once committed."""
    memberships = Membership.objects.filter(
        user_id=blocked_id, room__direct_pair=pair_key(blocker.pk, blocked_id)
    )
    room_ids = list(memberships.values_list("room_id", flat=True))  # a pair has one 1-to-1
    memberships.update(blocked_by_peer=blocked)
    for room_id in room_ids:
        publish_after_commit(
            lambda room_id=room_id: publish_blocked_sync(blocked_id, room_id, blocked)
        )
        shared_elsewhere = Membership.objects.filter(
            user_id=blocked_id, room__memberships__user=blocker
        ).exclude(room_id=room_id)
        if not shared_elsewhere.exists():
            publish_after_commit(lambda: show_the_blocker_to_them(blocker, blocked_id, blocked))


def show_the_blocker_to_them(blocker, blocked_id: int, blocked: bool) -> None:
    """Their 1-to-1, the one room they share, hides whether the blocker is online from now on,
    or no longer: the blocked user's pages show them offline, or as they are (presence on)."""
    online = online_among_sync([blocker.pk])
    if online is None or (not blocked and blocker.pk not in online):
        return  # presence off; or unblocked while offline, as they were shown
    status = "offline" if blocked else "online"
    event = {"type": "presence", "user": presence_ref(blocker), "status": status}
    publish_to_user_sync(blocked_id, event)


def tell_the_blockers_tabs(blocker_id: int, other, blocked: bool) -> None:
    """Once committed, every socket of the blocker hears it (`block.added`, `block.removed`):
    their other tabs show the block, or its end, as the one that made it does."""
    event = {"type": "block.added" if blocked else "block.removed", "user": user_ref(other)}
    publish_after_commit(lambda: publish_to_user_sync(blocker_id, event))


def block_user(user, other_id) -> tuple[Block, bool]:
    """Block a user; blocking twice is harmless. Returns (block, created)."""
    other = blocked_user(user, other_id)
    with transaction.atomic():
        block, created = Block.objects.get_or_create(blocker=user, blocked=other)
        mark_their_conversation(user, other.pk, blocked=True)
        if created:
            tell_the_blockers_tabs(user.pk, other, blocked=True)
    return block, created


def unblock_user(user, other_id) -> None:
    other_id = clean_id(other_id, "user")
    with transaction.atomic():
        block = Block.objects.filter(blocker=user, blocked_id=other_id).select_related("blocked")
        block = block.first()
        if block is None:
            raise NotFound("You have not blocked this user.", "user")
        block.delete()
        mark_their_conversation(user, other_id, blocked=False)
        tell_the_blockers_tabs(user.pk, block.blocked, blocked=False)


def user_blocks(user):
    """The users `user` has blocked, most recent first."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")
