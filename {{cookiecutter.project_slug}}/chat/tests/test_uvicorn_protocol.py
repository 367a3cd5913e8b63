"""The production server's protocol (chat/realtime/uvicorn_protocol.py), served by uvicorn in
the test's own event loop, so that a test can pause a connection's writing as its transport
would."""

import asyncio
import json
import socket
import subprocess
import sys
import time

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from chat.realtime.frames import CLOSE_SERVER_ERROR
from chat.realtime.publish import publish_many_to_rooms
from chat.realtime.uvicorn_protocol import ChatWebSocketProtocol, missing_from
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def production_protocol():
    """The app on uvicorn with ChatWebSocketProtocol, in this loop; yields (host, server)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        "config.asgi:application",
        ws="chat.realtime.uvicorn_protocol:ChatWebSocketProtocol",
        ws_max_size=2**20,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    deadline = time.monotonic() + 30  # an upper bound only: it starts in milliseconds
    while not server.started:  # uvicorn.Server has a flag, not an event: poll it
        assert not serving.done(), "uvicorn stopped while starting"
        assert time.monotonic() < deadline, "uvicorn did not start"
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
    """The bodies of the client's next `count` frames, which must be messages."""
    events = [await next_event(client) for _ in range(count)]
    assert all(event["type"] == "message.new" for event in events), events
    return [event["message"]["body"] for event in events]


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
    assert bob_protocol.write_texts_now(('{"type":"test"}',)) is False
    for n in (1, 2):
        await alice.send(json.dumps(send_frame(room, f"queued {n}", f"c-{n}")))
    # alice has "queued 2" back: the hub has pushed both to bob's socket too. Nothing went out
    # to him: a pong, which uvicorn writes at once paused or not, reaches his client first.
    assert await bodies(alice, 3) == ["written at once", "queued 1", "queued 2"]
    await asyncio.wait_for(await bob_client.ping(), 10)
    assert len(bob_client.recv_messages.frames) == 0  # what his client received, unread

    bob_protocol.resume_writing()
    # Pushed before the outbox's drain has woken up: it must still go out after the backlog.
    server_socket(bob).send_event({"type": "test.after_backlog"})
    assert await bodies(bob_client, 2) == ["queued 1", "queued 2"]
    assert (await next_event(bob_client))["type"] == "test.after_backlog"

    await bob_client.close()
    assert bob_protocol.write_texts_now(('{"type":"test"}',)) is False
    await alice.close()


async def test_compressed_and_uncompressed_clients_read_the_same_room_events(
    open_client, user, bob, room
):
    alice, _ = await open_client(user, compression="deflate")
    bob_client, _ = await open_client(bob, compression=None)
    assert [extension.name for extension in alice.protocol.extensions] == ["permessage-deflate"]
    assert bob_client.protocol.extensions == []
    await both_read_what_alice_sends(alice, bob_client, room, "é")


async def both_read_what_alice_sends(alice, bob_client, room, accent: str = "") -> None:
    sent = [f"message {n}{accent * (n + 1)}" for n in range(3)]
    for n, body in enumerate(sent):
        await alice.send(json.dumps(send_frame(room, body, f"c-{n}")))
    assert await bodies(alice, 3) == sent
    assert await bodies(bob_client, 3) == sent
    await alice.close()
    await bob_client.close()


class CountedWrites:
    """A connection's transport, counting what is written through it."""

    def __init__(self, transport):
        self.transport = transport
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.transport.write(data)

    def __getattr__(self, name):
        return getattr(self.transport, name)


async def test_a_batch_of_a_rooms_events_goes_to_each_socket_in_one_write(
    open_client, user, bob, room
):
    """The events of a batch of stored sends travel together (chat/realtime/publish.py): each
    socket gets them in one write, each still its own frame, whether it compresses or not."""
    alice, alice_protocol = await open_client(user, compression="deflate")
    bob_client, bob_protocol = await open_client(bob, compression=None)
    counted = [CountedWrites(alice_protocol.transport), CountedWrites(bob_protocol.transport)]
    alice_protocol.transport, bob_protocol.transport = counted
    sent = [f"batched {seq}" for seq in (1, 2, 3)]
    await publish_many_to_rooms(
        [
            (room.pk, {"type": "message.new", "message": {"seq": seq, "body": body}})
            for seq, body in enumerate(sent, start=1)
        ]
    )
    assert await bodies(alice, 3) == sent
    assert await bodies(bob_client, 3) == sent
    assert [len(transport.writes) for transport in counted] == [1, 1]
    await alice.close()
    await bob_client.close()


async def test_a_number_missing_before_a_batch_resyncs_the_room_after_the_next_one(
    open_client, user, room
):
    alice, _ = await open_client(user)

    def batch(*seqs: int) -> list:
        return [(room.pk, {"type": "message.new", "message": {"seq": seq}}) for seq in seqs]

    await publish_many_to_rooms(batch(1, 2))
    await publish_many_to_rooms(batch(4, 5))  # 3 may be on its way from another process
    await publish_many_to_rooms(batch(6))  # it was lost
    assert [(await next_event(alice))["message"]["seq"] for _ in range(5)] == [1, 2, 4, 5, 6]
    assert await next_event(alice) == {"type": "room.resync", "room": room.pk}
    await alice.close()


@pytest.fixture
def broken_direct_writes(monkeypatch):
    """What an upgrade of uvicorn that renamed an attribute would do to every direct write."""

    def broken_write(self, texts):
        raise AttributeError("'ChatWebSocketProtocol' object has no attribute 'conn'")

    monkeypatch.setattr(ChatWebSocketProtocol, "write_texts_now", broken_write)


async def test_a_failing_direct_write_falls_back_to_the_asgi_send(
    open_client, broken_direct_writes, user, bob, room
):
    alice, _ = await open_client(user)
    bob_client, _ = await open_client(bob)
    await both_read_what_alice_sends(alice, bob_client, room)


async def test_a_socket_whose_writes_all_fail_is_closed_1011_not_left_silent(
    open_client, broken_direct_writes, server_socket, user, room
):
    alice, _ = await open_client(user)
    consumer = server_socket(user)
    asgi_send = consumer.base_send

    async def text_frames_fail(message):
        if message["type"] == "websocket.send":
            raise RuntimeError("the server failed to send a text frame")
        await asgi_send(message)

    consumer.base_send = text_frames_fail
    await alice.send(json.dumps(send_frame(room, "never delivered", "c-1")))
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(alice.recv(), 10)
    assert alice.close_code == CLOSE_SERVER_ERROR


async def test_a_frame_for_a_connection_uvicorn_closed_is_dropped_as_for_a_client_gone(
    open_client, server_socket, user, caplog
):
    """uvicorn closes a connection itself when its pings go unanswered; until it hears that the
    connection is lost, frames still come for it. They are dropped as for a client that went
    away, not failed as by an application that sends after its own close."""
    alice, protocol = await open_client(user)
    consumer = server_socket(user)
    protocol.keepalive_timeout()  # as when the client stops answering pings
    consumer.send_event({"type": "presence", "user": {"id": 1}, "status": "online"})
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(alice.recv(), 10)
    assert consumer.outbox.closed
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []


async def test_a_text_frame_not_in_utf8_closes_that_socket_with_1007_and_no_error(
    open_client, user, bob, room, caplog
):
    """Any client can send one: its socket closes as the protocol says, in one line of the log,
    and another user's socket goes on."""
    alice, _ = await open_client(user)
    bobs, _ = await open_client(bob)
    await alice.send(b"\xff\xfe not UTF-8", text=True)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(alice.recv(), 10)
    assert closed.value.rcvd.code == 1007
    await bobs.send(json.dumps(send_frame(room, "still here")))
    assert await bodies(bobs, 1) == ["still here"]
    assert [record.levelname for record in caplog.records if "UTF-8" in record.getMessage()] == [
        "INFO"
    ]
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []


@pytest.mark.parametrize(
    ("line", "status"),
    [
        (f"Authorization: Bearer {'a' * 9000}", b"431"),
        ("Not a header line", b"400"),
    ],
    ids=["a header line over 8 KiB", "a line that is no header"],
)
async def test_a_handshake_refused_as_it_is_read_is_answered_at_once(
    production_protocol, line, status
):
    host, _ = production_protocol
    reader, writer = await asyncio.open_connection(*host.split(":"))
    writer.write(
        "GET /ws/chat/ HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"{line}\r\n\r\n".replace("{host}", host).encode()
    )
    answer = await asyncio.wait_for(reader.read(), 10)  # to the end: the server closed
    writer.close()
    assert answer.split(b" ")[1] == status


def test_an_incompatible_uvicorn_fails_at_import_naming_the_version_and_the_name():
    # A uvicorn whose protocol lost a name the direct writes rely on, in a fresh interpreter.
    script = (
        "from uvicorn.protocols.websockets import websockets_sansio_impl as sansio\n"
        "del sansio.WebSocketsSansIOProtocol.handle_connect\n"
        "import chat.realtime.uvicorn_protocol\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "IncompatibleUvicorn" in result.stderr
    assert f"uvicorn {uvicorn.__version__}" in result.stderr
    assert "'handle_connect'" in result.stderr


def test_the_import_check_names_every_attribute_uvicorn_no_longer_uses():
    class RenamedProtocol(ChatWebSocketProtocol.__bases__[0]):
        pass

    assert missing_from(RenamedProtocol) == []

    class Unrelated:
        def handle_connect(self, event):
            return self.scope, self.response

        def start_keepalive(self):
            pass

    assert missing_from(Unrelated) == [
        *("data_received", "send", "send_receive_event_to_app", "handle_parser_exception"),
        *("frames", "curr_msg_data_type", "close_sent"),
        *("request", "writable", "queue", "conn", "disconnected", "transport"),
    ]

    class AsksMoreOfItsQueue(ChatWebSocketProtocol.__bases__[0]):
        async def receive(self):
            return self.queue.get_nowait() if not self.queue.full() else await self.queue.get()

    # The lean queue has get_nowait, but not full: a uvicorn calling it fails at import.
    assert missing_from(AsksMoreOfItsQueue) == ["LeanQueue.full"]
