"""A socket opened while the database or Redis is out of reach is closed 1013 (try again later),
not dropped without a close frame."""

import pytest
from django.db import OperationalError

from chat.realtime import consumer
from chat.realtime.frames import CLOSE_TRY_AGAIN_LATER
from chat.realtime.hub import get_hub

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_handshake_during_an_outage_is_closed_1013(
    connect_socket, ws_credentials, user, monkeypatch
):
    def refused(user):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr(consumer, "memberships_of", refused)
    communicator, _ = await connect_socket(await ws_credentials(user))
    closed = await communicator.receive_output()
    assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_TRY_AGAIN_LATER)
    assert user.pk not in get_hub().users
