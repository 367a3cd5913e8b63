"""The hub and Redis: delivery resumes after Redis restarts, and after a subscriber reconnects.

Redis pub/sub keeps nothing for a subscriber that is away. These tests kill and restart a Redis
of their own, or drop its subscribers (never the Redis the settings name, which others share).
"""

import asyncio
import json
import logging
import math
import socket
import time
from urllib.parse import urlencode

import pytest
import redis
from django.contrib.auth import get_user_model
from django.db.models import F
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from accounts.tests.clock import ManualClock
from chat.domain.sending import send_message
from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from chat.realtime.layer_watch import LAYER_UNAVAILABLE
from chat.realtime.rate_limits import RateLimiter, parse_limit
from core.testing import HttpClient

live = pytest.mark.django_db(transaction=True)
# A restarted Redis must carry events again within this many seconds.
RECOVERY_SECONDS = 5


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_rate_limits_hold_per_process_while_the_shared_cache_is_unreachable(settings, caplog):
    """The counts live in Redis: while it is down, a frame is neither refused nor let through
    for that, and the process counts alone."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    limiter, limit = RateLimiter(ManualClock(1_000_003.0).now), parse_limit("messages", "30/10")
    with caplog.at_level(logging.WARNING, logger="chat.realtime.rate_limits"):
        outcomes = [await limiter.retry_after(limit, 1) for _ in range(31)]
    assert outcomes[:30] == [None] * 30
    assert outcomes[30] == 7.0
    assert [r.getMessage() for r in caplog.records] == [
        "rate limits: shared cache unreachable, counting per process"
    ]


@pytest.mark.django_db
def test_the_health_check_says_when_redis_is_out_of_reach(client, settings):
    """Without Redis no socket opens: the process is not healthy, though the database is."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unreachable"}


class Client:
    """A real WebSocket client that keeps every frame it receives, and what it would do."""

    def __init__(self, user, host: str, headers, websocket):
        self.user, self.name = user, user.username
        self.host, self.headers, self.websocket = host, headers, websocket
        self.frames: list[tuple[float, dict]] = []
        # Notified at each frame received, and when the socket closes.
        self.received = asyncio.Condition()
        self.open = True
        self.sent = 0
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        try:
            async for text in self.websocket:
                async with self.received:
                    self.frames.append((time.monotonic(), json.loads(text)))
                    self.received.notify_all()
        finally:
            async with self.received:
                self.open = False
                self.received.notify_all()

    async def send(self, room, body: str) -> None:
        frame = {"type": "message.send", "room": room.pk, "body": body, "client_id": body}
        await self.websocket.send(json.dumps(frame))

    async def send_forever(self, room) -> None:
        while True:
            await self.send(room, f"{self.name}-{self.sent}")
            self.sent += 1
            await asyncio.sleep(0.05)

    async def first(self, matches, after: float = 0.0) -> tuple[float, dict]:
        """The first frame received at or after `after` that `matches`: (when, frame)."""
        checked = 0
        try:
            async with self.received, asyncio.timeout(30):  # an upper bound only
                while True:
                    for when, frame in self.frames[checked:]:
                        if when >= after and matches(frame):
                            return when, frame
                    checked = len(self.frames)
                    if not self.open:
                        break
                    await self.received.wait()  # until the next frame, or the close
        except TimeoutError:
            pass
        last = [frame for _, frame in self.frames[-5:]]
        pytest.fail(f"{self.name} never received it; last frames: {last}")

    def is_from_other(self, frame: dict) -> bool:
        return frame["type"] == "message.new" and frame["message"]["sender"]["id"] != self.user.pk

    def is_own_message(self, frame: dict) -> bool:
        return frame["type"] == "message.new" and frame["message"]["sender"]["id"] == self.user.pk

    def messages(self) -> list[dict]:
        return [frame["message"] for _, frame in self.frames if frame["type"] == "message.new"]

    def acknowledged(self) -> set[int]:
        """Ids of this client's messages it saw come back (the acknowledgement)."""
        return {m["id"] for m in self.messages() if m["client_id"].startswith(f"{self.name}-")}

    def last_id_before(self, when: float) -> int:
        return max(m["message"]["id"] for t, m in self.frames if t < when and "message" in m)

    def fetch_after(self, room, after: int) -> list[dict]:
        """What the docs tell a client to do on room.resync: page through ?after=<last id>."""
        client = HttpClient(f"http://{self.host}")
        path = f"/api/rooms/{room.pk}/messages/?{urlencode({'after': after})}"
        messages = []
        while path:
            status, page = client.request("GET", path, headers=dict(self.headers))
            assert status == 200, page
            messages += page["results"]
            path = page["next"] and page["next"].removeprefix(f"http://{self.host}")
        return messages


async def connect_client(host, user, password, http_login) -> Client:
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    websocket = await connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
    )
    client = Client(user, host, headers, websocket)
    await client.first(lambda frame: frame["type"] == "session.ready")
    return client


def is_unavailable(frame: dict) -> bool:
    return frame["type"] == "error" and frame["code"] == "unavailable" and frame["ref"] is None


@live
@pytest.mark.faults
async def test_delivery_resumes_across_processes_after_redis_restarts(
    private_redis, start_server, user, bob, room, password, http_login
):
    hosts = [start_server({"REDIS_URL": private_redis.url}) for _ in range(2)]
    clients = [
        await connect_client(host, who, password, http_login)
        for host, who in zip(hosts, (user, bob), strict=True)
    ]
    senders = [asyncio.create_task(client.send_forever(room)) for client in clients]
    try:
        for client in clients:  # traffic flows both ways
            await client.first(client.is_from_other)

        private_redis.kill()
        killed = time.monotonic()
        for client in clients:
            _, frame = await client.first(is_unavailable, after=killed)
            assert frame == {
                "type": "error",
                "code": "unavailable",
                "detail": LAYER_UNAVAILABLE,
                "ref": None,
                "delivery": "interrupted",
            }
        # Three more sends each, stored (acknowledged) and not published, before Redis is back.
        for client in clients:
            acknowledged = killed
            for _ in range(3):
                later = math.nextafter(acknowledged, math.inf)
                acknowledged, _ = await client.first(client.is_own_message, after=later)

        private_redis.start()
        restarted = time.monotonic()
        resynced = {}
        for client in clients:
            resynced[client], frame = await client.first(
                lambda f: f["type"] == "room.resync", after=restarted
            )
            assert frame == {"type": "room.resync", "room": room.pk}
            delivered, _ = await client.first(client.is_from_other, after=restarted)
            recovery = delivered - restarted
            print(f"{client.name}: first delivery from the other process {recovery:.2f} s after")
            assert recovery < RECOVERY_SECONDS
    finally:
        for sender in senders:
            sender.cancel()
        await asyncio.gather(*senders, return_exceptions=True)

    # One last message each, after everything else: once both have it, nothing is in flight.
    for client in clients:
        await client.send(room, f"{client.name}-last")
    for client in clients:
        for other in clients:
            await client.first(
                lambda f, body=f"{other.name}-last": (
                    f["type"] == "message.new" and f["message"]["body"] == body
                )
            )
    for client in clients:
        await client.websocket.close()
        await client.reader
        # Exactly one `unavailable` for the outage: the next frames of its kind are resyncs.
        assert len([f for _, f in client.frames if is_unavailable(f)]) == 1
        # The last message it had when delivery was interrupted: its own messages acked to it
        # meanwhile may have later ids than others' it has not seen yet.
        interrupted, _ = await client.first(is_unavailable)
        cursor = client.last_id_before(interrupted)
        fetched = await asyncio.to_thread(client.fetch_after, room, cursor)
        seen = {m["id"] for m in client.messages()} | {m["id"] for m in fetched}
        for sender in clients:
            assert sender.acknowledged() <= seen, f"{client.name} misses {sender.name}'s"
    # Every batch stored during the outage failed to publish: each process says so once, not
    # with a traceback per batch.
    for host in hosts:
        log = host.log.read_text()
        assert log.count("ERROR chat.realtime.send_batcher publishing") == 1, log


@live
@pytest.mark.faults
async def test_a_socket_opened_while_delivery_is_interrupted_is_told_so(
    private_redis, start_server, user, room, password, http_login
):
    """Its process follows the user's rooms already, from another socket: it opens, and hears
    what the other heard, then the same resync."""
    host = start_server({"REDIS_URL": private_redis.url})
    first = await connect_client(host, user, password, http_login)
    private_redis.kill()
    await first.first(is_unavailable)
    second = await connect_client(host, user, password, http_login)
    _, told = await second.first(lambda frame: frame["type"] != "session.ready")
    assert is_unavailable(told) and told["delivery"] == "interrupted", told
    private_redis.start()
    _, resync = await second.first(lambda frame: frame["type"] == "room.resync")
    assert resync == {"type": "room.resync", "room": room.pk}


@live
def test_messages_stored_while_redis_is_away_say_so_in_the_log_once(
    settings, user, room, caplog, monkeypatch
):
    """Sent over REST while Redis is out of reach, each message is stored, and its publishing
    fails once its transaction has committed: the log says so once a minute, not with a
    traceback per message."""
    for once_a_minute in logging.getLogger("django.db.backends.base").filters:
        monkeypatch.setattr(once_a_minute, "last_shown", {})  # what earlier tests logged
    layer = settings.CHANNEL_LAYERS["default"]
    unreachable = {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], **unreachable}}}
    with caplog.at_level(logging.ERROR):
        for number in range(3):
            _, created = send_message(user, room.pk, f"Sent {number}", f"away-{number}")
            assert created
    (failure,) = [record for record in caplog.records if record.name == "django.db.backends.base"]
    assert "in on_commit()" in failure.getMessage() and failure.exc_info


@live
@pytest.mark.faults
async def test_who_is_online_is_recorded_again_when_redis_restarts_empty(
    private_redis, start_server, user, bob, room, password, http_login
):
    """Redis keeps who is online, and restarted without persistence it forgets. The process
    records its users again as delivery resumes, before its sockets are asked to resync: what
    they then read says who is online (the heartbeat, every 10 s by default, comes later)."""
    host = start_server({"REDIS_URL": private_redis.url, "CHAT_PRESENCE": "true"})
    watcher = await connect_client(host, bob, password, http_login)
    await connect_client(host, user, password, http_login)
    await watcher.first(
        lambda frame: frame["type"] == "presence" and frame["user"]["id"] == user.pk
    )

    private_redis.kill()
    private_redis.start()
    restarted = time.monotonic()
    await watcher.first(lambda frame: frame["type"] == "room.resync", after=restarted)
    client = HttpClient(f"http://{host}")
    status, members = await asyncio.to_thread(
        client.request, "GET", f"/api/rooms/{room.pk}/members/", headers=dict(watcher.headers)
    )
    assert status == 200, members
    assert {row["user"]["id"]: row["online"] for row in members["results"]}[user.pk] is True


@live
@pytest.mark.faults
async def test_with_presence_off_nothing_of_it_is_written_as_delivery_resumes(
    private_redis, start_server, user, room, password, http_login
):
    host = start_server({"REDIS_URL": private_redis.url, "CHAT_PRESENCE": "false"})
    client = await connect_client(host, user, password, http_login)
    private_redis.kill()
    private_redis.start()
    restarted = time.monotonic()
    await client.first(lambda frame: frame["type"] == "room.resync", after=restarted)
    with redis.Redis.from_url(private_redis.url) as store:
        assert store.keys("*presence*") == []


def drop_subscribers(redis_url: str) -> None:
    """Close every pub/sub connection, as Redis does to one past its output buffer limit."""
    with redis.Redis.from_url(redis_url) as client:
        assert client.client_kill_filter(_type="pubsub") >= 1


def is_message(body: str):
    return lambda frame: frame["type"] == "message.new" and frame["message"]["body"] == body


@live
@pytest.mark.faults
async def test_the_sockets_catch_up_after_the_subscriber_reconnects_by_itself(
    private_redis, start_server, user, bob, room, password, http_login
):
    """Redis stays up, but drops the server's subscriber: redis-py reconnects and subscribes
    again without a word, and whatever was published in between is lost. The sockets are
    asked to fetch it, and live delivery goes on."""
    host = start_server({"REDIS_URL": private_redis.url})
    sender, receiver = [
        await connect_client(host, who, password, http_login) for who in (user, bob)
    ]
    await sender.send(room, "before")
    await receiver.first(is_message("before"))

    drop_subscribers(private_redis.url)
    dropped = time.monotonic()
    for client in (sender, receiver):
        _, frame = await client.first(lambda f: f["type"] == "room.resync", after=dropped)
        assert frame == {"type": "room.resync", "room": room.pk}
    await sender.send(room, "after")
    await receiver.first(is_message("after"))
    # Redis never went away: nobody was told that delivery was interrupted.
    assert not [f for client in (sender, receiver) for _, f in client.frames if is_unavailable(f)]
    for client in (sender, receiver):
        await client.websocket.close()


@live
@pytest.mark.faults
async def test_a_socket_whose_credentials_ended_unheard_is_closed_as_delivery_resumes(
    private_redis, start_server, user, bob, room, password, http_login
):
    """A user signs out everywhere (or changes their password) while Redis is away: the end
    is stored, but its revocation, published to nobody, is lost, and a socket of theirs on
    another process stays open. As delivery resumes, the hub reads its users' credentials
    versions and closes the sockets whose credential ended meanwhile, 4401; the others catch
    up as usual."""
    host = start_server({"REDIS_URL": private_redis.url})
    alice, bobs = [await connect_client(host, who, password, http_login) for who in (user, bob)]
    # The end as the server never heard of it: stored, published nowhere.
    raised = F("credentials_version") + 1
    await get_user_model().objects.filter(pk=user.pk).aupdate(credentials_version=raised)
    await alice.send(room, "unheard of")
    await bobs.first(is_message("unheard of"))  # the socket is still open, and still sends

    drop_subscribers(private_redis.url)
    dropped = time.monotonic()
    with pytest.raises(ConnectionClosedError) as closed:
        await asyncio.wait_for(alice.reader, 30)  # an upper bound only
    assert closed.value.rcvd.code == CLOSE_UNAUTHENTICATED
    await bobs.first(lambda frame: frame["type"] == "room.resync", after=dropped)
    await bobs.send(room, "still here")
    await bobs.first(is_message("still here"))
    await bobs.websocket.close()
