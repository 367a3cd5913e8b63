"""A socket opened while the database or Redis is out of reach is closed 1013 (try again later),
not dropped without a close frame."""

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from chat.realtime import consumer
from chat.realtime.frames import CLOSE_TRY_AGAIN_LATER
from chat.realtime.hub import get_hub

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_handshake_whose_credential_cannot_be_checked_is_closed_1013_not_a_500(
    connect_socket, ws_credentials, user, monkeypatch, caplog
):
    credentials = await ws_credentials(user)

    def database_down(connection):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    # The session, the token or the user behind a ticket: every mode reads its credential's
    # user from the database.
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", database_down)
    communicator, _ = await connect_socket(credentials)
    closed = await communicator.receive_output()
    assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_TRY_AGAIN_LATER)
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


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
