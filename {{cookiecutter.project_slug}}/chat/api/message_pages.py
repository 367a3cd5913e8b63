"""A room's messages as the API pages them: the latest, those before a cursor, those after one
(the catch-up of a client that reconnects, oldest first), or those changed after a change
number (the same client's catch-up on edits, deletions and reactions, in the order made).

Each shape is a statement compiled once (core/precompiled.py): every client that reconnects
asks for a room's messages after the newest it had, and building and compiling the query with
its joins was most of that request's CPU.
"""

from attachments.linking import attach_to_page, with_attachments
from core.precompiled import Precompiled

from ..domain.access import visible_messages
from ..domain.reactions import page_reaction_counts, reaction_counts
from ..models import Membership, Message


def shown(room: int, history_from: int):
    """The messages a member whose history starts after `history_from` reads, as pages show
    them: with their senders and the messages they answer."""
    member = Membership(room_id=room, history_from=history_from)
    return visible_messages(member).select_related("sender", "reply_to__sender")


LATEST = Precompiled(Message, lambda **at: shown(**at).order_by("-id"), room=int, history_from=int)
BEFORE = Precompiled(
    Message,
    lambda before, **at: shown(**at).filter(id__lt=before).order_by("-id"),
    room=int,
    history_from=int,
    before=int,
)
AFTER = Precompiled(
    Message,
    lambda after, **at: shown(**at).filter(id__gt=after).order_by("id"),
    room=int,
    history_from=int,
    after=int,
)

CHANGED = Precompiled(
    Message,
    lambda changed_after, **at: (
        shown(**at)
        # Said apart from the cursor, so that the planner sees the partial index's condition.
        .filter(change__gt=0)
        .filter(change__gt=changed_after)
        .order_by("change")
        .prefetch_related(with_attachments())
    ),
    room=int,
    history_from=int,
    changed_after=int,
)


def message_page(membership: Membership, cursor: dict[str, int], size: int) -> list[Message]:
    """Up to `size` messages with their attachments: changed after `cursor["changed_after"]`
    in the order changed; after `cursor["after"]` oldest first; else newest first (before
    `cursor["before"]` if given). A page of the last three holds every message of the room
    between its first id and its last."""
    at = {"room": membership.room_id, "history_from": membership.history_from}
    if "changed_after" in cursor:
        return CHANGED.run(limit=size, changed_after=cursor["changed_after"], **at)
    if "after" in cursor:
        page = AFTER.run(limit=size, after=cursor["after"], **at)
    elif "before" in cursor:
        page = BEFORE.run(limit=size, before=cursor["before"], **at)
    else:
        page = LATEST.run(limit=size, **at)
    attach_to_page(page, membership.room_id)
    return page


def page_reactions(membership: Membership, cursor: dict[str, int], page: list, user) -> dict:
    """The reactions of a page's messages (message id -> counts), in one query."""
    ids = [message.pk for message in page]
    if "changed_after" in cursor:  # its ids are scattered over the room
        return reaction_counts(ids, user)
    return page_reaction_counts(membership.room_id, ids, user)
