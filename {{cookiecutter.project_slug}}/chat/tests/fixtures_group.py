"""The rooms of a project with group rooms (room_model group or both): `room` and `make_room`.

The root conftest.py loads this module or fixtures_direct.py, whichever the project's rooms
are, so that tests shared by every project run on the rooms the project has.
"""

import pytest

from chat.models import Membership, Room


def group_room(owner, *members, name: str = "general") -> Room:
    """A group room that `owner` owns and `members` belong to, made directly."""
    room = Room.objects.create(kind=Room.Kind.GROUP, name=name, created_by=owner)
    Membership.objects.create(room=room, user=owner, role=Membership.Role.OWNER)
    for member in members:
        Membership.objects.create(room=room, user=member)
    return room


@pytest.fixture
def make_room():
    """make_room(owner, *members, name=...) -> a group room with those memberships."""
    return group_room


@pytest.fixture
def room(user, bob):
    """A group room: alice owns it, bob is a member."""
    return group_room(user, bob)
