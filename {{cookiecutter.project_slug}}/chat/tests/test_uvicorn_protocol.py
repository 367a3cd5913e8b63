"""The production server's protocol (chat/uvicorn_protocol.py), served by uvicorn in the test's
own event loop, so that a test can pause a connection's writing as its transport would."""

import asyncio
import json
import socket

import pytest
import uvicorn
from websockets.asyncio.client import connect

from chat.tests.frames import send_frame
from chat.uvicorn_protocol import ChatWebSocketProtocol

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def production_protocol():
    """The app on uvicorn with ChatWebSocketProtocol, in this loop; yields (host, server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        "config.asgi:application",
        ws="chat.uvicorn_protocol:ChatWebSocketProtocol",
        ws_max_size=2**20,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started:  # noqa: ASYNC110 (uvicorn.Server has a flag, not an event)
        await asyncio.sleep(0.01)
    yield f"127.0.0.1:{listener.getsockname()[1]}", server
    server.should_exit = True
    await serving


def socket_protocols(server) -> set[ChatWebSocketProtocol]:
    return {
        protocol
        for protocol in server.server_state.connections
        if isinstance(protocol, ChatWebSocketProtocol)
    }


async def next_event(client) -> dict:
    return json.loads(await asyncio.wait_for(client.recv(), 10))


async def bodies(client, count: int) -> list[str]:
    return [(await next_event(client))["message"]["body"] for _ in range(count)]


@pytest.fixture
def open_client(production_protocol, ws_credentials):
    """open_client(user, compression) -> (client, the server's protocol of that connection)."""
    host, server = production_protocol

    async def open_(user, compression=None):
        before = socket_protocols(server)
        client = await connect(
            f"ws://{host}/ws/chat/",
            origin=f"http://{host}",
            additional_headers=await ws_credentials(user),
            compression=compression,
        )
        assert (await next_event(client))["type"] == "session.ready"
        (protocol,) = socket_protocols(server) - before
        return client, protocol

    return open_


async def test_frames_go_out_in_order_when_the_client_falls_behind_and_catches_up(
    open_client, server_socket, user, bob, room
):
    alice, _ = await open_client(user)
    bob_client, bob_protocol = await open_client(bob)
    await alice.send(json.dumps(send_frame(room, "written at once", "c-0")))
    assert await bodies(bob_client, 1) == ["written at once"]

    # What the transport does when the client's TCP buffer is full: nothing more goes out
    # at once, and frames wait in the socket's outbox behind the ASGI send.
    bob_protocol.pause_writing()
    assert bob_protocol.write_text_now('{"type":"test"}') is False
    for n in (1, 2):
        await alice.send(json.dumps(send_frame(room, f"queued {n}", f"c-{n}")))
    assert await bodies(alice, 3) == ["written at once", "queued 1", "queued 2"]
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(bob_client.recv(), 0.3)

    bob_protocol.resume_writing()
    # Pushed before the outbox's writer has woken up: it must still go out after the backlog.
    server_socket(bob).send_event({"type": "test.after_backlog"})
    assert await bodies(bob_client, 2) == ["queued 1", "queued 2"]
    assert (await next_event(bob_client))["type"] == "test.after_backlog"

    await bob_client.close()
    assert bob_protocol.write_text_now('{"type":"test"}') is False
    await alice.close()


async def test_compressed_and_uncompressed_clients_read_the_same_room_events(
    open_client, user, bob, room
):
    alice, _ = await open_client(user, compression="deflate")
    bob_client, _ = await open_client(bob, compression=None)
    assert [extension.name for extension in alice.protocol.extensions] == ["permessage-deflate"]
    assert bob_client.protocol.extensions == []

    sent = [f"message {n}: " + "é" * (n + 1) for n in range(3)]
    for n, body in enumerate(sent):
        await alice.send(json.dumps(send_frame(room, body, f"c-{n}")))
    assert await bodies(alice, 3) == sent
    assert await bodies(bob_client, 3) == sent
    await alice.close()
    await bob_client.close()
