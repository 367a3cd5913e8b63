"""A WebSocket handshake to a path no route serves is refused, not answered with a 500."""

import logging

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/ws/nope/", "/ws/chat", "/ws/chat/extra/", "/api/rooms/"])
async def test_a_handshake_to_a_path_no_route_serves_is_refused(connect_socket, path, caplog):
    with caplog.at_level(logging.WARNING):
        _, connected = await connect_socket(path=path)
    assert not connected
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
