"""Delivery through Redis interrupted and resumed: how a process's hub survives a Redis outage.

Redis pub/sub delivers an event only to the connections subscribed at that instant: while Redis
is unreachable events go nowhere, and a subscriber that reconnects (redis-py does so by itself,
and subscribes again) has missed what was published meanwhile. So the hub watches: a marker key
it keeps in Redis tells a restart from mere silence, and the layer's connections count their
reconnections (core/redis_connections.py). While Redis is down the hub tells its sockets
(`unavailable`); once it answers again, or after a reconnection, the hub closes the sockets
whose user's credentials ended meanwhile, re-adds its groups, re-reads its users' rooms, and
asks every socket to fetch what it missed (`room.resync`, docs/websocket.md).
"""

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model

from core.redis_connections import reconnections

from ..models import Membership
from .frames import encode, error_event
from .per_loop import per_loop

if TYPE_CHECKING:
    from .hub import Hub

try:  # redis-py comes with the Redis layer only
    from redis.asyncio import Redis
except ImportError:
    Redis = None

logger = logging.getLogger(__name__)

# How often the hub makes sure Redis still holds its groups: the longest a restart that
# raised no error goes unnoticed.
LAYER_CHECK_SECONDS = 1.0
# Retries while the layer fails back off up to this: soon enough to resume, without spinning.
LAYER_RETRY_MAX_SECONDS = 1.0
# The hub rewrites its marker every check; the expiry only cleans up after a process that died.
LAYER_MARKER_TTL_SECONDS = 60
LAYER_UNAVAILABLE = (
    "Live delivery is interrupted. When it resumes, room.resync asks you to fetch what you missed."
)


def uses_redis() -> bool:
    """Whether the channel layer runs through Redis (settings.REDIS_URL), shared by processes."""
    return settings.REDIS_URL is not None


# The hub's and presence's own client of the layer's Redis: the layer's connections are its own.
layer_redis = per_loop(lambda: Redis.from_url(settings.REDIS_URL, socket_timeout=5))


# Called once delivery has resumed, before the sockets are asked to resync: presence records
# again what Redis may have forgotten (chat/realtime/presence.py).
delivery_resumed_hooks = per_loop(list)


def layer_prefix() -> str:
    """The layer's key prefix (channels-redis's default if none): our keys in Redis share it."""
    return settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "asgi")


def interrupted_event() -> dict:
    """What a socket is told when live delivery is interrupted, or opens while it is."""
    return error_event("unavailable", LAYER_UNAVAILABLE, delivery="interrupted")


class LayerMarker:
    """A key of the hub's in the layer's Redis: gone means Redis lost its state (restarted)."""

    def __init__(self, redis, prefix: str, channel: str):
        self.redis = redis
        self.key = f"{prefix}:hub:{channel}"

    async def state_lost(self) -> bool:
        """Whether Redis lost the marker since the last call; (re)writes it."""
        previous = await self.redis.set(self.key, 1, ex=LAYER_MARKER_TTL_SECONDS, get=True)
        return previous is None


class LayerWatch:
    """Checks the layer every LAYER_CHECK_SECONDS, and at once when a call to it failed.

    Only its task ends an outage; a publish that fails starts one at once (Hub.publish_failed),
    so that a socket hears of it before the ack of a message that others did not get live.
    """

    @classmethod
    async def made_for(cls, hub: "Hub", channel: str) -> "LayerWatch | None":
        """A watch for the hub's layer, its marker written; None for a layer without Redis."""
        if not uses_redis():
            return None
        marker = LayerMarker(layer_redis(), layer_prefix(), channel)
        await marker.state_lost()
        return cls(hub, marker)

    def __init__(self, hub: "Hub", marker: LayerMarker):
        self.hub = hub
        self.marker = marker
        # Reconnections of this process's layer connections that the watch has answered.
        self.reconnections = reconnections()
        # Set from the first failure the watch sees until delivery has resumed.
        self.down = False
        self.interrupted_at = 0.0
        # Counts the failures that interrupt delivery: one during a resume means it is not over.
        self.interruptions = 0
        # Set by a failed call to the layer: the watch looks now rather than on its round.
        self.trouble = asyncio.Event()

    async def watch_forever(self) -> None:
        failures = 0
        while True:
            delay = retry_delay(failures) if failures else LAYER_CHECK_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.trouble.wait(), delay)
            self.trouble.clear()
            try:
                await until_cancelled(self.check_layer())
            except Exception as error:
                failures += 1
                self.delivery_interrupted(error)
            else:
                failures = 0

    async def check_layer(self) -> None:
        """Resume delivery if it was interrupted; raises while the layer is unreachable."""
        state_lost = await self.marker.state_lost()
        # Counted as a connection comes back, just before redis-py subscribes it again (one
        # round trip); resuming takes a round trip and a query more, so the sockets fetch once
        # the subscriber hears the rooms again.
        reconnected = reconnections() != self.reconnections
        if self.down:
            why = f"back after {time.monotonic() - self.interrupted_at:.1f} s"
        elif state_lost:
            why = "lost its state (restarted?)"
        elif reconnected:
            why = "reconnected (what was published meanwhile may be lost)"
        else:
            return
        self.reconnections = reconnections()
        await self.resume_delivery(why)

    def delivery_interrupted(self, error: Exception) -> None:
        """Once per outage: log it and tell every socket, which catches up once it is over."""
        self.interruptions += 1
        if self.down:
            return
        self.down = True
        self.interrupted_at = time.monotonic()
        logger.error("channel layer unreachable: live delivery interrupted", exc_info=error)
        frames = (encode(interrupted_event()),)
        for socket in list(self.hub.socket_rooms):
            socket.push(frames)

    async def resume_delivery(self, why: str) -> None:
        """Subscribe again to what Redis forgot, and have every socket fetch what it missed.

        Joins and leaves published meanwhile were lost too: the database says which rooms
        each user is in now (a user removed meanwhile must not go on receiving the room), and
        where their history starts in each (a user who joined a room hiding its history must
        not get the events of its earlier messages). So were the ends of credentials: a socket
        whose user signed out everywhere meanwhile (changed their password, was deactivated
        or deleted) is closed, 4401.
        """
        hub = self.hub
        interruptions = self.interruptions
        await hub.close_the_sockets_of_ended_credentials()
        async with hub.subscriptions:
            rooms_by_user = await rooms_of_users(list(hub.users))
            for user_id, sockets in list(hub.users.items()):
                rooms = rooms_by_user.get(user_id, {})
                for socket in list(sockets):
                    if socket not in hub.socket_rooms:
                        continue  # detached meanwhile
                    for room_id in hub.socket_rooms[socket] - rooms.keys():
                        await hub.unsubscribe(socket, room_id)
                    for room_id, cut in rooms.items():
                        await hub.follow(socket, room_id, cut)
            await hub.add_all_groups()
        if self.interruptions != interruptions:
            return  # a publish failed meanwhile: not over yet, the next round resumes
        logger.warning("channel layer %s: groups re-added, sockets asked to resync", why)
        self.down = False
        for hook in delivery_resumed_hooks():
            await hook()
        for socket, room_ids in list(hub.socket_rooms.items()):
            socket.push(
                tuple(encode({"type": "room.resync", "room": room_id}) for room_id in room_ids)
            )


async def until_cancelled(awaitable: Coroutine) -> Any:
    """Await a call to Redis so that a cancellation always ends it.

    redis-py can swallow a cancellation that lands during a read (it becomes a timeout,
    which it retries, or an error the hub's loops would retry), and a shutdown would then
    wait forever on the hub's tasks. So the call runs apart, and a cancellation is repeated
    on it until it has really stopped.
    """
    running = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        while not running.done():
            running.cancel()
            await asyncio.wait([running], timeout=0.05)
        raise


def retry_delay(failures: int) -> float:
    """Back off from 50 ms, doubling, up to LAYER_RETRY_MAX_SECONDS."""
    return min(0.05 * 2 ** (failures - 1), LAYER_RETRY_MAX_SECONDS)


@database_sync_to_async
def rooms_of_users(user_ids: list[int]) -> dict[int, dict[int, int]]:
    """User id -> {room id: where the user's history starts there (0: all of it)}."""
    rooms = defaultdict(dict)
    memberships = Membership.objects.filter(user_id__in=user_ids)
    for user_id, room_id, cut in memberships.values_list("user_id", "room_id", "history_from"):
        rooms[user_id][room_id] = cut
    return rooms


@database_sync_to_async
def credentials_versions(user_ids: list[int]) -> dict[int, int]:
    """User id -> credentials_version, for those of the users still active."""
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    return dict(users.values_list("pk", "credentials_version"))
