"""Two server processes sharing the Redis layer: a message crosses from one to the other."""

import pytest

from chat.tests.test_live_server import exchange

pytestmark = pytest.mark.django_db(transaction=True)


async def test_messages_cross_between_server_processes(
    live_server_host, other_server_host, user, bob, room, password, http_login
):
    await exchange([live_server_host, other_server_host], user, bob, password, http_login, room)
