"""An account deleted by its owner: memberships end as leaving does, messages stay.

Messages are kept, their sender set to null (Message.sender is SET_NULL): clients show them as
from a deleted user. Removing them would tear holes in conversations the other members are
part of (replies quoting them, seq numbers skipped, read cursors on them), and what someone
wrote to others is as much the others' record as theirs. The user's reactions go with the
account, each taken back as by hand (their counts drop, live and for a catch-up). Each room is
left through the service layer, so the other members' sockets hear member.left and a group's
ownership passes on, as when leaving by hand.
The user's own sockets close at commit (users/signals.py), on every server process.
"""

from django.db import transaction
from django.db.models import Q

from chat.domain.memberships import remove_membership
from chat.domain.reactions import take_back_every_reaction
from chat.models import Membership, Room
from chat.realtime.publish import publish_to_room_mates_sync
from core.after_commit import after_commit

try:
    from chat.domain.group_rooms import leave_group
except ImportError:  # a project with 1-to-1 conversations only: no group to hand on
    leave_group = None


def delete_account(user) -> None:
    """Once committed, the people who shared a room with the user hear `user.deleted`: their
    pages show the user's messages as a deleted user's at once, as a reload would."""
    with transaction.atomic():
        # Every room the deletion changes, locked first and in one order, as a send, a
        # reaction or a leave locks its room before its rows: none of them waits on this while
        # this waits on it.
        touched = Room.objects.filter(
            Q(memberships__user=user) | Q(created_by=user) | Q(messages__reactions__user=user)
        )
        rooms = Room.objects.select_for_update(no_key=True).filter(pk__in=touched.values("pk"))
        list(rooms.order_by("pk").values_list("pk", flat=True))
        take_back_every_reaction(user)
        memberships = Membership.objects.filter(user=user).select_related("room", "user")
        rooms = []
        for membership in memberships.order_by("pk"):
            rooms.append(membership.room_id)
            if membership.room.kind == Room.Kind.GROUP and leave_group is not None:
                leave_group(user, membership.room_id, hand_over=True)
            else:
                remove_membership(membership, "left")
                # Nobody is left to read what the other member would write: refused as a
                # block's are (chat/domain/access.py says why).
                Membership.objects.filter(room_id=membership.room_id).update(blocked_by_peer=True)
        event = {"type": "user.deleted", "user": user.pk}
        user_id = user.pk
        user.delete()
        after_commit(publish_to_room_mates_sync, user_id, rooms, event)
