"""The rooms of a project with 1-to-1 conversations only (room_model direct): `room` and
`make_room`.

The root conftest.py loads this module or fixtures_group.py, whichever the project's rooms
are, so that tests shared by every project run on the rooms the project has. A project with
both kinds loads fixtures_group.py; its test_direct_rooms.py makes conversations with
`direct_room`.
"""

import pytest

from chat.models import Membership, Room


def direct_room(first, second) -> Room:
    """The 1-to-1 conversation of two users, made directly (both plain members)."""
    low, high = sorted(user.pk for user in (first, second))
    room = Room.objects.create(kind=Room.Kind.DIRECT, direct_pair=f"{low}:{high}")
    for user in (first, second):
        Membership.objects.create(room=room, user=user)
    return room


@pytest.fixture
def make_room():
    """make_room(first, second) -> their 1-to-1 conversation."""
    return direct_room


@pytest.fixture
def room(user, bob):
    """alice and bob's 1-to-1 conversation."""
    return direct_room(user, bob)
