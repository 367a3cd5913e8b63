"""Fixtures of the chat tests. `room` and `make_room`, which build the rooms the project has,
are in the fixtures_<group or direct>.py module that the root conftest.py loads."""

import asyncio

import pytest
from django.test import Client

from chat.realtime.hub import get_hub


@pytest.fixture
def staff_client(make_user):
    """A Django test client signed in to the admin as a superuser."""
    client = Client()
    client.force_login(make_user("staff", is_staff=True, is_superuser=True))
    return client


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
