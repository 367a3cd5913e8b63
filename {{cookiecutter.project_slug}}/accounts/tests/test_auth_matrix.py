"""Every way a credential can be bad, in this project's auth mode, on REST and on the socket:
refused on both, and the same credential made good again is let in (so the refusals are real)."""

import asyncio

import pytest

from accounts.tests.rest_status import rest_status
from chat.realtime.frames import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_valid_credential_is_let_in_on_rest_and_socket(user, ws_credentials, open_socket):
    headers = await ws_credentials(user)
    assert await asyncio.to_thread(rest_status, headers) == 200
    await open_socket(user)  # asserts its session.ready


async def test_every_bad_credential_is_refused_on_rest_and_socket(
    user, rejected_credentials, connect_socket
):
    for kind, make in rejected_credentials.items():
        headers = await make(user)
        assert await asyncio.to_thread(rest_status, headers) == 401, kind
        communicator, connected = await connect_socket(headers)
        assert connected, kind  # accepted only to carry the close code
        closed = await communicator.receive_output()
        assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}, kind


async def test_no_credential_is_refused_on_rest_and_socket(connect_socket):
    assert await asyncio.to_thread(rest_status, []) == 401
    communicator, _ = await connect_socket()
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://[", None])
async def test_a_valid_credential_from_a_foreign_origin_opens_no_socket(
    user, ws_credentials, connect_socket, origin
):
    _, connected = await connect_socket(await ws_credentials(user), origin=origin)
    assert not connected
