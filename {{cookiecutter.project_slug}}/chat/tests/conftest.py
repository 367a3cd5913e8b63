import asyncio

import pytest

from chat.models import Membership, Room
from chat.realtime.hub import get_hub


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    """Belongs to no room of the fixtures: the outsider."""
    return make_user("carol")


@pytest.fixture
def make_room():
    """make_room(owner, *members, kind=...) -> a room with those memberships, made directly."""

    def make(owner, *members, kind=Room.Kind.GROUP, name="general"):
        if kind == Room.Kind.DIRECT:
            ids = sorted(user.pk for user in (owner, *members))
            room = Room.objects.create(kind=kind, direct_pair=f"{ids[0]}:{ids[1]}")
        else:
            room = Room.objects.create(kind=kind, name=name, created_by=owner)
        owner_role = Membership.Role.OWNER if kind == Room.Kind.GROUP else Membership.Role.MEMBER
        Membership.objects.create(room=room, user=owner, role=owner_role)
        for member in members:
            Membership.objects.create(room=room, user=member)
        return room

    return make


@pytest.fixture
def room(make_room, user, bob):
    """A group room: alice owns it, bob is a member."""
    return make_room(user, bob)


@pytest.fixture
def as_user(api_client):
    def authenticate(user):
        api_client.force_authenticate(user)
        return api_client

    return authenticate


@pytest.fixture
def server_socket():
    """server_socket(user): the consumer behind the user's one open socket, as the hub holds it."""

    def find(user):
        (socket,) = get_hub().users[user.pk]
        return socket

    return find


@pytest.fixture
def hold_writes():
    """hold_writes(consumer) -> an Event: until it is set, the consumer's frames wait in the
    server's send, as they do while the client's TCP buffer is full. Closes still go out."""

    def hold(consumer):
        released = asyncio.Event()
        send = consumer.base_send

        async def held_send(message):
            if message["type"] == "websocket.send":
                await released.wait()
            await send(message)

        consumer.base_send = held_send
        return released

    return hold
