"""Reactions: emoji members put on messages, each once per user, added and removed idempotently."""

import emoji as emoji_data
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q

from core.precompiled import Precompiled

from ..models import Membership, Message, Reaction
from ..realtime import publish
from .access import refuse_if_blocked
from .after_commit import publish_after_commit
from .errors import Invalid, NotFound
from .events import reaction_event
from .messages import lock_room_of, number_change, readable_message
from .validation import clean_text


def clean_emoji(value) -> str:
    """One emoji, modifiers and joined sequences included (a flag, a family, a skin tone), in
    its fully qualified form: keyboards send a heart as "\u2764" or as "\u2764\ufe0f", which are
    one emoji to the people reacting and must count as one."""
    value = clean_text(value, "emoji")
    if not emoji_data.is_emoji(value):
        raise Invalid("emoji must be a single emoji.", "emoji")
    value = emoji_data.emojize(emoji_data.demojize(value))
    if len(value) > Reaction._meta.get_field("emoji").max_length or not emoji_data.is_emoji(value):
        raise Invalid("emoji must be a single emoji.", "emoji")
    return value


def add_reaction(user, message_id, emoji) -> tuple[dict, bool]:
    """React; reacting again with the same emoji changes nothing. Returns (state, created)."""
    emoji = clean_emoji(emoji)
    with transaction.atomic():
        # The room's row locked before the message is read (PostgreSQL; SQLite runs one
        # writing transaction at a time): a deletion committing meanwhile (it holds this lock)
        # is seen, and no reaction stays on a message it deleted; and two tabs adding
        # different emoji at once take turns, rather than each count without the other's and
        # both pass the limit.
        lock_room_of(message_id)
        message = readable_message(user, message_id)
        if message.deleted is not None:
            raise NotFound("No such message.")
        # Locked too: a leave or a removal committing meanwhile is seen.
        members = Membership.objects.select_for_update(no_key=True)
        membership = members.filter(room_id=message.room_id, user=user).first()
        if membership is None:  # left, or removed, since the message was found
            raise NotFound("No such message.")
        refuse_if_blocked(membership)
        # Each of a user's emoji is an entry in every page of history the message is on.
        limit = settings.CHAT_MAX_REACTIONS_PER_USER
        others = Reaction.objects.filter(message=message, user=user).exclude(emoji=emoji)
        if others.count() >= limit:
            raise Invalid(f"At most {limit} different emoji per message: take one back.", "emoji")
        try:
            with transaction.atomic():
                Reaction.objects.create(message=message, user=user, emoji=emoji)
            created = True
        except IntegrityError:
            created = False  # already there (or added at the same moment from another tab)
        if created:
            record_change(message)
        state = reaction_state(message, user, emoji)
        if created:
            event = reaction_event("reaction.added", message, user, emoji, state["count"])
            publish_after_commit(lambda: publish.publish_to_room_sync(message.room_id, event))
    return state, created


def remove_reaction(user, message_id, emoji) -> dict:
    """Take a reaction back; taking back one that is not there changes nothing."""
    emoji = clean_emoji(emoji)
    with transaction.atomic():
        lock_room_of(message_id)
        message = readable_message(user, message_id)
        removed, _ = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
        if removed:
            record_change(message)
        state = reaction_state(message, user, emoji)
        if removed:
            event = reaction_event("reaction.removed", message, user, emoji, state["count"])
            publish_after_commit(lambda: publish.publish_to_room_sync(message.room_id, event))
    return state


def take_back_every_reaction(user) -> None:
    """Within the caller's transaction (the user's account is going; their rooms locked): each
    of their reactions taken back as by hand, its change numbered and its room told at commit."""
    reactions = Reaction.objects.filter(user=user).select_related("message")
    for reaction in reactions.order_by("message__room_id", "message_id", "pk"):
        message, emoji = reaction.message, reaction.emoji
        reaction.delete()
        record_change(message)
        count = reaction_state(message, user, emoji)["count"]
        event = reaction_event("reaction.removed", message, user, emoji, count)
        publish_after_commit(
            lambda room=message.room_id, event=event: publish.publish_to_room_sync(room, event)
        )


def record_change(message) -> None:
    """A reaction added or taken back is a change to its message, numbered as an edit is."""
    number_change(message)
    Message.objects.filter(pk=message.pk).update(change=message.change)


def reaction_state(message, user, emoji: str) -> dict:
    reactions = Reaction.objects.filter(message=message, emoji=emoji)
    counts = reactions.aggregate(count=Count("pk"), me=Count("pk", filter=Q(user=user)))
    return {
        "message": message.pk,
        "emoji": emoji,
        "count": counts["count"],
        "me": bool(counts["me"]),
    }


def reaction_counts(message_ids: list[int], user) -> dict[int, list[dict]]:
    """Each message's reactions, in the order first used, with whether `user` is among them:
    one query for a whole page of messages."""
    return counted(tallies(Reaction.objects.filter(message_id__in=message_ids), user.pk))


def tallies(reactions, user_id: int):
    """Per message and emoji: how many, whether the user is among them, and the first's id."""
    return (
        reactions.values("message_id", "emoji")
        .annotate(count=Count("pk"), mine=Max("user_id", filter=Q(user=user_id)), first=Min("pk"))
        .order_by("message_id", "first")
    )


def counted(rows) -> dict[int, list[dict]]:
    counts: dict[int, list[dict]] = {}
    for row in rows:
        counts.setdefault(row["message_id"], []).append(
            {"emoji": row["emoji"], "count": row["count"], "me": row["mine"] is not None}
        )
    return counts


# The reactions of a page of a room's messages, found by the room and the page's range of
# ids: compiled once (core/precompiled.py), as a page of messages is.
PAGE_TALLIES = Precompiled(
    Reaction,
    lambda room, first, last, user: tallies(
        Reaction.objects.filter(message__room=room, message_id__gte=first, message_id__lte=last),
        user,
    ),
    room=int,
    first=int,
    last=int,
    user=int,
)


def page_reaction_counts(room_id: int, message_ids: list[int], user) -> dict[int, list[dict]]:
    """reaction_counts() for a page that holds every message of the room from its first id to
    its last."""
    if not message_ids:
        return {}
    found = PAGE_TALLIES.run(
        room=room_id, first=min(message_ids), last=max(message_ids), user=user.pk
    )
    return counted(found)
