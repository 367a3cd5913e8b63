"""The process's hub (chat/realtime/hub.py): how it receives, stops, and writes to slow sockets."""

import asyncio

import pytest
from channels.layers import InMemoryChannelLayer

from chat.domain.events import room_event
from chat.realtime.frames import CLOSE_TOO_SLOW, encode
from chat.realtime.hub import Hub, get_hub
from chat.tests.frames import bodies_received, send_frame

live = pytest.mark.django_db(transaction=True)


class CancellationSwallowingLayer(InMemoryChannelLayer):
    """The in-memory layer, except that a wait swallows its first cancellation, as redis-py's
    reads can (the cancellation becomes a timeout that redis-py retries)."""

    swallowed = False

    def __init__(self, **config):
        super().__init__(**config)
        self.receiving = asyncio.Event()

    async def receive(self, channel):
        self.receiving.set()
        while True:
            try:
                return await super().receive(channel)
            except asyncio.CancelledError:
                if self.swallowed:
                    raise
                self.swallowed = True


async def test_a_hub_stops_when_cancelled_even_if_the_layer_swallows_a_cancellation():
    hub = Hub()
    hub.layer = CancellationSwallowingLayer()
    await hub.start()
    await hub.layer.receiving.wait()
    for task in hub.tasks:
        task.cancel()
    _, still_running = await asyncio.wait(hub.tasks, timeout=10)  # an upper bound only
    assert hub.layer.swallowed
    assert not still_running


@live
async def test_a_slow_socket_is_closed_4408_and_the_room_still_gets_every_message(
    open_socket, server_socket, hold_writes, room, user, bob, settings
):
    settings.CHAT_SOCKET_SEND_BUFFER = 5
    slow_tab = await open_socket(bob)
    slow_consumer = server_socket(bob)
    hold_writes(slow_consumer)  # never released: a client that stopped reading
    fast_tab, alice = await open_socket(bob), await open_socket(user)
    bodies = [f"message {n}" for n in range(10)]
    for n, body in enumerate(bodies):
        await alice.send_json_to(send_frame(room, body, str(n)))
    for socket in (alice, fast_tab):
        assert await bodies_received(socket, len(bodies)) == bodies
    # The close overtakes the frames the client never took: it does not wait behind them.
    assert await slow_tab.receive_output() == {"type": "websocket.close", "code": CLOSE_TOO_SLOW}
    hub = get_hub()
    assert slow_consumer not in hub.socket_rooms
    assert slow_consumer not in hub.users[bob.pk] | hub.rooms[room.pk]
    for socket in (slow_tab, fast_tab, alice):
        await socket.disconnect()
    assert (hub.rooms, hub.users, hub.socket_rooms) == ({}, {}, {})


@live
async def test_a_dead_socket_costs_the_room_nothing(open_socket, server_socket, room, user, bob):
    await open_socket(bob)
    dead_consumer = server_socket(bob)

    async def client_gone(message):
        raise OSError("client disconnected")  # what uvicorn's ClientDisconnected is

    dead_consumer.base_send = client_gone
    live_tab, alice = await open_socket(bob), await open_socket(user)
    bodies = [f"message {n}" for n in range(3)]
    for n, body in enumerate(bodies):
        await alice.send_json_to(send_frame(room, body, str(n)))
    for socket in (alice, live_tab):
        assert await bodies_received(socket, len(bodies)) == bodies
    assert dead_consumer.outbox.closed


@live
async def test_a_sockets_own_replies_keep_their_place_among_room_events(
    open_socket, server_socket, hold_writes, room, user, bob
):
    bob_socket = await open_socket(bob)
    released = hold_writes(server_socket(bob))
    alice = await open_socket(user)
    await alice.send_json_to(send_frame(room, "first", "1"))
    await alice.receive_json_from()  # by now "first" is held on its way to bob
    await bob_socket.send_to(text_data="{not json")
    await bob_socket.send_json_to(send_frame(room, "second", "2"))
    # Bob's socket handles his frames in order: the error is queued before "second" exists.
    assert (await alice.receive_json_from())["message"]["body"] == "second"
    released.set()
    received = [await bob_socket.receive_json_from() for _ in range(3)]
    assert [(frame["type"], frame.get("message", {}).get("body")) for frame in received] == [
        ("message.new", "first"),
        ("error", None),
        ("message.new", "second"),
    ]


@live
async def test_a_socket_closing_while_a_join_waits_is_not_subscribed_again(
    open_socket, room, carol, monkeypatch
):
    tab = await open_socket(carol)
    hub = get_hub()
    detaching = asyncio.Event()
    detach = hub.detach

    async def detach_and_tell(socket):
        detaching.set()
        await detach(socket)

    monkeypatch.setattr(hub, "detach", detach_and_tell)
    join = {
        "type": "fanout.join",
        "user": carol.pk,
        "room": room.pk,
        "frame": encode(room_event("room.joined", room)),
    }
    # Holding the hub's lock lines the two up: the detach first, then the join, which
    # already counts the socket among the user's.
    async with hub.subscriptions:
        await tab.send_input({"type": "websocket.disconnect", "code": 1001})
        await asyncio.wait_for(detaching.wait(), timeout=10)  # an upper bound only
        joining = asyncio.create_task(hub.dispatch(join))
        await asyncio.sleep(0)  # one turn of the loop: the join starts, and waits on the lock
    await joining  # and its frame, pushed to the closed socket, raised nothing
    await tab.wait()
    assert (hub.rooms, hub.users, hub.socket_rooms) == ({}, {}, {})
