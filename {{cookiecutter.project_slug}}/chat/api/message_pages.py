"""A room's messages as the API pages them: the latest, those before a cursor, or those after
one (the catch-up of a client that reconnects, oldest first).

Each shape is a statement compiled once (core/precompiled.py): every client that reconnects
asks for a room's messages after the newest it had, and building and compiling the query with
its joins was most of that request's CPU.
"""

from attachments.linking import attach_to_page
from core.precompiled import Precompiled

from ..domain.access import visible_messages
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


def message_page(membership: Membership, cursor: dict[str, int], size: int) -> list[Message]:
    """Up to `size` messages with their attachments: after `cursor["after"]` oldest first,
    else newest first (before `cursor["before"]` if given). A page holds every message of the
    room between its first id and its last."""
    at = {"room": membership.room_id, "history_from": membership.history_from}
    if "after" in cursor:
        page = AFTER.run(limit=size, after=cursor["after"], **at)
    elif "before" in cursor:
        page = BEFORE.run(limit=size, before=cursor["before"], **at)
    else:
        page = LATEST.run(limit=size, **at)
    attach_to_page(page, membership.room_id)
    return page
