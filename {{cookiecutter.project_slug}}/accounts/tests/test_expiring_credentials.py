"""Credentials that expire (knox, JWT): sockets close with 4401 at expiry unless refreshed.

The sockets measure expiry by a clock the tests move (fixture `manual_clock`).
"""

import asyncio

import pytest

from chat.realtime.frames import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_4401 = {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def answers(communicator) -> bool:
    """Whether the socket is still read: a frame the server cannot parse gets an error back."""
    await communicator.send_to(text_data="{}")
    return (await communicator.receive_json_from())["type"] == "error"


async def test_expired_credential_is_closed_4401(connect_socket, user, expiring_credential):
    credential = await expiring_credential(user, -60)
    communicator, _ = await connect_socket([("authorization", credential)])
    assert await communicator.receive_output() == CLOSED_4401


async def test_socket_closes_4401_when_its_credential_expires(
    connect_socket, user, expiring_credential, manual_clock
):
    # JWT expiry is whole seconds: the credential expires 59 to 60 seconds from now.
    credential = await expiring_credential(user, 60)
    communicator, _ = await connect_socket([("authorization", credential)])
    assert (await communicator.receive_json_from())["type"] == "session.ready"

    manual_clock.advance(55)
    assert await answers(communicator)
    manual_clock.advance(10)
    assert await communicator.receive_output(timeout=10) == CLOSED_4401


async def test_in_band_refresh_keeps_the_socket_open(
    connect_socket, user, expiring_credential, manual_clock
):
    credential = await expiring_credential(user, 60)
    communicator, _ = await connect_socket([("authorization", credential)])
    assert (await communicator.receive_json_from())["type"] == "session.ready"

    fresh = (await expiring_credential(user, 3600)).partition(" ")[2]
    await communicator.send_json_to({"type": "auth.refresh", "token": fresh})
    refreshed = await communicator.receive_json_from()
    assert refreshed["type"] == "auth.refreshed"
    assert refreshed["expires_at"] > manual_clock.now() + 3000
    # Past the first credential's expiry the socket still answers; past the fresh one's, not.
    manual_clock.advance(120)
    assert await answers(communicator)
    manual_clock.advance(3600)
    assert await communicator.receive_output(timeout=10) == CLOSED_4401


async def test_refresh_with_a_bad_or_foreign_credential_is_refused(
    connect_socket, user, make_user, expiring_credential
):
    communicator, _ = await connect_socket([("authorization", await expiring_credential(user, 60))])
    await communicator.receive_json_from()

    await communicator.send_json_to({"type": "auth.refresh", "token": "garbage"})
    assert (await communicator.receive_json_from())["code"] == "invalid"

    bob = await asyncio.to_thread(make_user, "bob")
    foreign = (await expiring_credential(bob, 60)).partition(" ")[2]
    await communicator.send_json_to({"type": "auth.refresh", "token": foreign})
    assert (await communicator.receive_json_from())["code"] == "forbidden"
