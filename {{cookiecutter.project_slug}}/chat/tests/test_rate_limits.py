"""Per-user rate limits: frames past a limit are answered and dropped, abuse closes the socket,
limits are shared by processes, and a flooder does not slow other users down."""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from websockets.asyncio.client import connect

from accounts.tests.clock import ManualClock
from accounts.tests.throttling import use_production_throttle_rates
from chat.realtime.frames import CLOSE_RATE_LIMITED
from chat.realtime.rate_limits import RateLimiter, get_rate_limiter, parse_limit
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_cache(settings):
    """A cache of this test's own: counts from other tests must not count (and clearing the
    shared Redis would wipe every other run's channel layer groups)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"rate-limit-test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture
async def limiter_clock() -> ManualClock:
    """The clock of the sockets' limiter (this test's loop has its own), held at the start of a
    window: no window ends halfway through a test, which would let more frames through."""
    clock = ManualClock(999_960.0)  # the start of a minute, and of any window dividing one
    get_rate_limiter().clock = clock.now
    return clock


async def allowed(limiter: RateLimiter, limit, user_id: int, frames: int) -> int:
    return sum([await limiter.retry_after(limit, user_id) is None for _ in range(frames)])


async def test_a_limit_lets_its_frames_through_per_window_then_says_when_to_retry():
    clock = ManualClock(1_000_003.0)  # 3 s into a 10-second window
    limiter, limit = RateLimiter(clock.now), parse_limit("messages", "30/10")
    assert await allowed(limiter, limit, 1, 30) == 30
    assert await limiter.retry_after(limit, 1) == 7.0
    assert await allowed(limiter, limit, 2, 30) == 30  # another user has a limit of their own
    clock.advance(7.0)
    assert await allowed(limiter, limit, 1, 31) == 30


async def test_processes_share_a_users_limit():
    """Two limiters (two server processes) spend one window: together, at most its frames."""
    clock = ManualClock(1_000_000.0)
    first, second = RateLimiter(clock.now), RateLimiter(clock.now)
    limit = parse_limit("messages", "30/10")
    total = 0
    for _ in range(40):
        total += await allowed(first, limit, 1, 1) + await allowed(second, limit, 1, 1)
    assert total == 30


def test_a_process_reads_a_users_frames_up_to_their_characters_per_window():
    clock = ManualClock(1_000_004.0)  # 4 s into a 10-second window
    limiter, limit = RateLimiter(clock.now), parse_limit("characters", "1000/10")
    assert limiter.unread_retry_after(limit, 1, 600) is None
    assert limiter.unread_retry_after(limit, 1, 400) is None
    assert limiter.unread_retry_after(limit, 1, 1) == 6.0
    assert limiter.unread_retry_after(limit, 2, 1000) is None  # another user's are their own
    clock.advance(6.0)
    assert limiter.unread_retry_after(limit, 1, 1000) is None


async def test_frames_past_the_characters_limit_are_refused_unread(
    open_socket, user, bob, settings, limiter_clock
):
    """Reading a frame is what a refused one costs: past the characters a process reads of a
    user's frames, a frame is answered without being read (a malformed one is not told so), and
    other users' frames are read as ever."""
    settings.CHAT_RATE_LIMIT_CHARACTERS = "1000/60"
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    await alice.send_to(text_data=json.dumps({"type": "no.such.type", "padding": "x" * 900}))
    assert (await alice.receive_json_from())["code"] == "invalid"  # read, and found unknown
    await alice.send_to(text_data="not JSON" * 20)
    refused = await alice.receive_json_from()
    assert (refused["code"], refused["retry_after"], refused["ref"]) == ("rate_limited", 60, None)
    assert "1000 characters in 60 seconds" in refused["detail"]
    await bob_socket.send_to(text_data="not JSON" * 20)
    assert (await bob_socket.receive_json_from())["code"] == "invalid"
    limiter_clock.advance(60)
    await alice.send_to(text_data="not JSON" * 20)
    assert (await alice.receive_json_from())["code"] == "invalid"


@pytest.mark.parametrize("text", ["0/10", "5/0", "five/10", "5", "5/inf"])
def test_a_limit_setting_that_is_not_frames_per_seconds_is_refused(text):
    with pytest.raises(ValueError):
        parse_limit("messages", text)


def test_a_server_given_a_malformed_limit_stops_as_it_starts_and_names_the_setting(settings):
    """Rather than start, and fail every send (the socket dropped without a close frame)."""
    environment = {**os.environ, "CHAT_RATE_LIMIT_MESSAGES": "30"}
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "CHAT_RATE_LIMIT_MESSAGES='30': expected '<frames>/<seconds>'" in started.stderr


async def test_sends_past_the_limit_are_answered_rate_limited_and_the_socket_stays_open(
    open_socket, room, user, bob, settings, limiter_clock
):
    settings.CHAT_RATE_LIMIT_MESSAGES = "3/60"
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    for n in range(5):
        await alice.send_json_to(send_frame(room, f"message {n}", f"c-{n}"))
    answers = [await alice.receive_json_from() for _ in range(5)]
    delivered = [answer["message"]["body"] for answer in answers if answer["type"] == "message.new"]
    refused = [answer for answer in answers if answer["type"] == "error"]
    assert delivered == ["message 0", "message 1", "message 2"]
    assert [(error["code"], error["ref"]) for error in refused] == [
        ("rate_limited", "c-3"),
        ("rate_limited", "c-4"),
    ]
    assert [error["retry_after"] for error in refused] == [60, 60]  # the window's whole minute
    # bob's limit is his own.
    await bob_socket.send_json_to(send_frame(room, "bob's", "b-1"))
    bodies = {(await bob_socket.receive_json_from())["message"]["body"] for _ in range(4)}
    assert "bob's" in bodies


async def test_a_client_that_keeps_sending_past_its_limit_is_closed_4429(
    open_socket, user, settings, limiter_clock
):
    settings.CHAT_RATE_LIMIT_FRAMES = "2/60"
    settings.CHAT_RATE_LIMIT_CLOSE_AFTER = 3
    alice = await open_socket(user)
    for _ in range(2 + 3):
        await alice.send_json_to({"type": "no.such.type"})
    codes = [(await alice.receive_json_from())["code"] for _ in range(5)]
    assert codes == ["invalid", "invalid", "rate_limited", "rate_limited", "rate_limited"]
    await alice.send_json_to({"type": "no.such.type"})  # one more after 3 refused: closed
    assert await alice.receive_output() == {"type": "websocket.close", "code": CLOSE_RATE_LIMITED}


async def test_sockets_past_the_per_user_cap_are_closed_4429(
    connect_socket, open_socket, user, ws_credentials, settings
):
    settings.CHAT_MAX_SOCKETS_PER_USER = 2
    await open_socket(user)
    await open_socket(user)
    third, connected = await connect_socket(await ws_credentials(user))
    assert connected  # accepted only to carry the close code
    assert await third.receive_output() == {"type": "websocket.close", "code": CLOSE_RATE_LIMITED}


async def test_handshakes_at_once_cannot_pass_the_per_user_cap(
    connect_socket, user, ws_credentials, settings
):
    settings.CHAT_MAX_SOCKETS_PER_USER = 2
    credentials = [await ws_credentials(user) for _ in range(6)]
    opened = await asyncio.gather(*(connect_socket(headers) for headers in credentials))
    first = [await socket.receive_output() for socket, _ in opened]
    closed = {"type": "websocket.close", "code": CLOSE_RATE_LIMITED}
    assert sum(output == closed for output in first) == 4
    assert sum('"session.ready"' in output.get("text", "") for output in first) == 2


# What a flooder may cost another user's round trips: the median within 3 times the quiet one
# plus 20 ms, p99 within 3 times the quiet one plus a second. A server process reads and parses
# every frame a client sends before it can refuse one: 5,000 frames sent at once hold others up
# for about as long as that takes (p99 150 to 250 ms on an idle 2-core machine, with or without
# limits, more when the machine is busy). The limits keep the flood from being stored (without
# them bob's median went from 3 to 35-40 ms) and close the flooder, so it ends there instead of
# going on for as long as its backlog lasts.
FLOOD_P50_FACTOR, FLOOD_P50_SLACK_MS = 3, 20
FLOOD_P99_FACTOR, FLOOD_P99_SLACK_MS = 3, 1000
# bob's round trips in each phase, quiet and loud.
ROUND_TRIPS = 40


async def round_trips(socket, room_id: int, count: int, tag: str) -> list[float]:
    """Milliseconds from each send to its message.new on the sender's own socket."""
    times = []
    for n in range(count):
        client_id = f"{tag}-{n}"
        started = time.perf_counter()
        await socket.send(json.dumps(send_frame_for(room_id, client_id)))
        while True:
            event = json.loads(await asyncio.wait_for(socket.recv(), 10))
            assert event["type"] != "error", event
            if event.get("message", {}).get("client_id") == client_id:
                break
        times.append((time.perf_counter() - started) * 1000)
    return times


def send_frame_for(room_id: int, client_id: str) -> dict:
    return {"type": "message.send", "room": room_id, "body": "ping", "client_id": client_id}


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


# The flooder, in a process of its own so that its sending does not hold up the test's own
# event loop (bob's client): 5,000 sends framed beforehand and written in one go, so that the
# flood costs the server all it can and the machine's CPU little else; nothing read.
FLOODER = """
import json, sys
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.sync.client import connect

host, headers, room = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
with connect(f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers) as alice:
    alice.recv(10)  # session.ready
    flood = b"".join(
        Frame(Opcode.TEXT, json.dumps({"type": "message.send", "room": room, "body": "flood",
                                       "client_id": f"f-{n}"}).encode()).serialize(mask=True)
        for n in range(5000)
    )
    print("ready", flush=True)
    sys.stdin.readline()  # go
    try:
        alice.socket.sendall(flood)
        while True:
            alice.recv(30)  # the answers, until the server closes the socket
    except ConnectionClosed as closed:
        print(closed.rcvd.code if closed.rcvd else None)
"""


@pytest.mark.faults
async def test_a_flooder_does_not_slow_other_users_down(
    start_server, user, bob, carol, make_user, make_room, password, http_login, monkeypatch
):
    """On the production server, with limits that let bob's round trips through: alice sends
    5,000 messages as fast as she can and never reads; bob's round trips meanwhile stay close to
    what they are without her, and she is closed with 4429."""
    monkeypatch.setenv("CHAT_RATE_LIMIT_MESSAGES", f"{2 * ROUND_TRIPS + 10}/10")
    host = await asyncio.to_thread(start_server)
    # Rooms apart: none of alice's messages is for bob.
    bobs_room = await sync_to_async(make_room)(bob, carol)
    alices_room = await sync_to_async(make_room)(user, await sync_to_async(make_user)("dave"))
    headers = {
        who.username: await asyncio.to_thread(http_login, host, who.username, password)
        for who in (user, bob)
    }
    url, origin = f"ws://{host}/ws/chat/", f"http://{host}"
    async with connect(url, origin=origin, additional_headers=headers["bob"]) as bob_socket:
        await bob_socket.recv()  # session.ready
        quiet = await round_trips(bob_socket, bobs_room.pk, ROUND_TRIPS, "quiet")
        flooder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            FLOODER,
            host,
            json.dumps(headers["alice"]),
            str(alices_room.pk),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        # Started and connected first: only the flood itself overlaps bob's round trips.
        assert await asyncio.wait_for(flooder.stdout.readline(), 30) == b"ready\n"
        flooder.stdin.write(b"go\n")
        loud = await round_trips(bob_socket, bobs_room.pk, ROUND_TRIPS, "loud")
        closed_with, _ = await asyncio.wait_for(flooder.communicate(), 60)
    quiet_p50, loud_p50 = statistics.median(quiet), statistics.median(loud)
    print(
        f"\nbob's round trips, quiet: p50 {quiet_p50:.1f} ms, p99 {p99(quiet):.1f} ms; "
        f"during the flood: p50 {loud_p50:.1f} ms, p99 {p99(loud):.1f} ms"
    )
    assert loud_p50 <= FLOOD_P50_FACTOR * quiet_p50 + FLOOD_P50_SLACK_MS
    assert p99(loud) <= FLOOD_P99_FACTOR * p99(quiet) + FLOOD_P99_SLACK_MS
    assert closed_with.decode().strip() == str(CLOSE_RATE_LIMITED)


def test_rest_writes_past_the_users_limit_are_429_and_reads_go_on(as_user, room, user, settings):
    use_production_throttle_rates(settings)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "writes": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = as_user(user)
    answers = [
        client.post(
            f"/api/rooms/{room.pk}/messages/", {"body": "hi", "client_id": f"c-{n}"}, format="json"
        )
        for n in range(3)
    ]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) > 0
    assert client.get(f"/api/rooms/{room.pk}/messages/").status_code == 200
