"""Conversation state across server processes sharing Redis: presence (and a process that dies
without a word), read cursors across tabs, and a room's sockets catching up on a lost message."""

import asyncio
import json
import signal

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings
from websockets.asyncio.client import connect

from chat.realtime.frames import encode
from chat.realtime.hub import room_group
from chat.realtime.publish import publish_to_room_others
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)

# The surviving process sweeps this often; the test hands it the dead one's expiry.
FAST_HEARTBEAT = {"CHAT_PRESENCE": "true", "CHAT_PRESENCE_HEARTBEAT_SECONDS": "0.1"}


async def open_client(host, user, password, http_login):
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    client = await connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
    )
    assert json.loads(await client.recv())["type"] == "session.ready"
    return client


async def next_frame(client) -> dict:
    # An upper bound, not a wait: the frame is expected well before.
    return json.loads(await asyncio.wait_for(client.recv(), 10))


@pytest.mark.faults  # a server process killed: with the other fault tests, on a covering subset
async def test_a_user_is_online_while_a_socket_is_open_in_any_process_and_a_killed_process_lets_go(
    start_server, user, bob, room, password, http_login
):
    first, second, watcher_host = (start_server(FAST_HEARTBEAT) for _ in range(3))
    watcher = await open_client(watcher_host, bob, password, http_login)
    tab_on_first = await open_client(first, user, password, http_login)
    assert (await next_frame(watcher))["status"] == "online"
    tab_on_second = await open_client(second, user, password, http_login)
    await tab_on_second.close()  # a socket is still open on the first process: still online
    # Nothing about it reached the watcher: its next frame is a message sent after.
    await tab_on_first.send(json.dumps(send_frame(room, "still here", "c-1")))
    assert (await next_frame(watcher))["type"] == "message.new"

    # The first process dies without closing its sockets; its liveness key expires (here: is
    # removed, standing in for the TTL), and a surviving process takes its users offline.
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    store = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] + ":presence"
    for process in store.smembers(f"{prefix}:user:{user.pk}"):
        store.delete(f"{prefix}:alive:{process.decode()}")
    offline = await next_frame(watcher)
    assert (offline["user"]["id"], offline["status"]) == (user.pk, "offline")
    tab_on_first.transport.abort()
    await watcher.close()


@pytest.mark.faults  # a server process stopped: with the other fault tests
async def test_a_process_that_stalled_past_its_ttl_puts_its_users_back_online(
    start_server, user, bob, room, password, http_login
):
    """A process stopped (SIGSTOP) past its TTL is taken for dead: another takes its users
    offline. Running again, it finds its key gone and records them again, and says so."""
    quick = {**FAST_HEARTBEAT, "CHAT_PRESENCE_TTL_SECONDS": "1"}
    stalling, watcher_host = start_server(quick), start_server(quick)
    watcher = await open_client(watcher_host, bob, password, http_login)
    tab = await open_client(stalling, user, password, http_login)
    assert (await next_frame(watcher))["status"] == "online"

    stalling.process.send_signal(signal.SIGSTOP)
    try:
        offline = await next_frame(watcher)  # once its key has expired, a sweep later
        assert (offline["user"]["id"], offline["status"]) == (user.pk, "offline")
    finally:
        stalling.process.send_signal(signal.SIGCONT)
    online = await next_frame(watcher)
    assert (online["user"]["id"], online["status"]) == (user.pk, "online")
    await tab.close()
    await watcher.close()


async def test_reading_in_one_tab_clears_the_badge_in_a_tab_on_another_process(
    live_server_host, other_server_host, user, bob, room, password, http_login
):
    tab = await open_client(live_server_host, user, password, http_login)
    far_tab = await open_client(other_server_host, user, password, http_login)
    bob_client = await open_client(other_server_host, bob, password, http_login)
    await bob_client.send(json.dumps(send_frame(room, "unread", "c-1")))
    message = (await next_frame(tab))["message"]
    assert (await next_frame(far_tab))["message"]["id"] == message["id"]
    await tab.send(json.dumps({"type": "room.read", "room": room.pk, "message": message["id"]}))
    read = await next_frame(far_tab)
    assert (read["type"], read["user"]["id"], read["message"]) == (
        "room.read",
        user.pk,
        message["id"],
    )
    for client in (tab, far_tab, bob_client):
        await client.close()


async def test_a_message_lost_between_processes_makes_the_rooms_sockets_catch_up(
    live_server_host, user, bob, room, password, http_login
):
    """Two events of the room reach the server process with a number between them skipped,
    as when the layer drops one: its sockets in the room are told to resync."""
    tab = await open_client(live_server_host, user, password, http_login)
    layer = get_channel_layer()
    for seq in (1, 3, 4):  # 2 is lost, and 4 comes after it should have
        event = {"type": "message.new", "message": {"seq": seq}}
        message = {"type": "fanout.room", "room": room.pk, "frame": encode(event), "seq": seq}
        await layer.group_send(room_group(room.pk), message)
        assert (await next_frame(tab))["message"]["seq"] == seq
    assert await next_frame(tab) == {"type": "room.resync", "room": room.pk}
    await tab.close()


async def test_more_sockets_publishing_at_once_than_the_redis_pool_holds_all_get_through():
    """redis-py refuses a connection past its pool's cap (100) instead of waiting for one: a
    burst of publishes must not each take a connection."""
    await asyncio.gather(
        *(publish_to_room_others(1, user_id, {"type": "typing.start"}) for user_id in range(300))
    )
