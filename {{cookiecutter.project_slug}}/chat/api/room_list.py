"""Rooms as the room list shows them: role, members, unread, last message and the 1-to-1's peer.

A constant number of queries whatever the number of rooms: one for the page of rooms, and one
for the last messages of the whole page. The user's own membership is joined (FilteredRelation),
the other figures are subqueries: each subquery is built and compiled at every request, most
of the list's CPU.
"""

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.text import MAX_ID

from ..domain.read_state import with_unread
from ..models import Membership, Message, Room


def rooms_for(user):
    """Rooms annotated for `user`, latest activity first (last message, else creation)."""
    member_count = (
        Membership.objects.filter(room=OuterRef("pk"))
        .order_by()
        .values("room")
        .annotate(count=Count("pk"))
        .values("count")
    )
    peer = Membership.objects.filter(room=OuterRef("pk"), room__kind=Room.Kind.DIRECT).exclude(
        user=user
    )
    # Where the user's reading starts. A member: their cut. Anyone else sees the room from
    # outside (discovery, an invitation): its latest message only if joining would show it,
    # in a public group that shows newcomers its history; otherwise none (from past every id).
    history_from = Case(
        When(mine__id__isnull=False, then=F("mine__history_from")),
        When(
            kind=Room.Kind.GROUP,
            visibility=Room.Visibility.PUBLIC,
            history_visible=True,
            then=Value(0),
        ),
        default=Value(MAX_ID),
        output_field=IntegerField(),
    )
    # At most one row: a user has one membership of a room.
    rooms = Room.objects.annotate(
        mine=FilteredRelation("memberships", condition=Q(memberships__user=user))
    ).annotate(
        member_count=Subquery(member_count, output_field=IntegerField()),
        role=F("mine__role"),
        history_from=history_from,
        hidden_through=F("mine__hidden_through"),
        peer_id=Subquery(peer.values("user_id")[:1]),
        peer_username=Subquery(peer.values("user__username")[:1]),
        peer_display_name=Subquery(peer.values("user__display_name")[:1]),
        peer_avatar=Subquery(peer.values("user__avatar")[:1]),
    )
    # The last message the user may read: a newcomer to a room that hides its history sees
    # none from before they joined.
    latest = Message.objects.filter(room=OuterRef("pk"), id__gt=OuterRef("history_from"))
    latest = latest.order_by("-id")
    rooms = rooms.annotate(
        last_message_id=Subquery(latest.values("id")[:1]),
        last_activity=Coalesce(Subquery(latest.values("created")[:1]), F("created")),
    )
    return with_unread(rooms, user).order_by("-last_activity", "-id")


def listed(rooms):
    """The rooms the user's list shows: not the 1-to-1s they hid, until a newer message."""
    return rooms.filter(Q(hidden_through__isnull=True) | Q(last_message_id__gt=F("hidden_through")))


def attach_last_messages(rooms: list[Room]) -> list[Room]:
    """Set each room's `last_message` (or None): one query for them all."""
    ids = [room.last_message_id for room in rooms if room.last_message_id is not None]
    messages = Message.objects.select_related("sender").in_bulk(ids) if ids else {}
    for room in rooms:
        room.last_message = messages.get(room.last_message_id)
    return rooms
