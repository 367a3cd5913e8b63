"""Per-process fan-out: a server process receives each room event once and writes it to its sockets.

Channels' tutorial gives every socket its own channel-layer channel and group
membership, so one message to a room of N members costs N layer deliveries and
N JSON encodings. Here each process joins a room's group once (while it has a
socket in the room), the event carries the frame already encoded, and the
process writes that same text to each of its local sockets.

Groups: `chat.room.<id>` carries events for a room's members; `chat.user.<id>`
carries membership changes and credential revocations to every socket of one user, in
every process.

The hub never waits on a socket: it pushes the frame, and the socket queues what its
client has not taken yet (ChatConsumer.push), so one slow client cannot stall the room.

Redis keeps the groups and the queued events in memory only: while it is unreachable, events
go nowhere, and once it restarts it has forgotten every group. So the hub watches it (a marker
key it keeps there tells a restart from mere silence): while it is down the hub tells its
sockets (`unavailable`); once it answers again the hub re-adds its groups, re-reads its users'
rooms, and asks every socket to fetch what it missed (`room.resync`, docs/websocket.md).
"""

import asyncio
import contextlib
import json
import logging
import time
import types
import weakref
from collections import defaultdict
from collections.abc import Coroutine, Generator, Iterable
from functools import partial
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer

from .events import error_event
from .models import Membership

try:  # redis-py comes with the Redis layer only
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:
    RedisTimeoutError = TimeoutError

logger = logging.getLogger(__name__)

# Channel layers forget group members after a day (group_expiry): re-add well before.
GROUP_REFRESH_SECONDS = 60 * 60
# How often the hub makes sure Redis still holds its groups: the longest a restart that
# raised no error goes unnoticed.
LAYER_CHECK_SECONDS = 1.0
# Retries while the layer fails back off up to this: soon enough to resume, without spinning.
LAYER_RETRY_MAX_SECONDS = 1.0
# The hub rewrites its marker every check; the expiry only cleans up after a process that died.
LAYER_MARKER_TTL_SECONDS = 60
# What a receive raises when nothing came within the Redis client's socket timeout: idle,
# not broken (redis-py 8 times out after 5 s, as long as the layer blocks in Redis).
RECEIVE_TIMEOUTS = (RedisTimeoutError, TimeoutError)
LAYER_UNAVAILABLE = (
    "Live delivery is interrupted. When it resumes, room.resync asks you to fetch what you missed."
)


class Socket(Protocol):
    user_id: int

    def push(self, frame: str) -> None:
        """Queue the frame for the client; never waits."""

    def revoke(self, credential_id: str | None) -> None:
        """Close if opened with that credential (None: with any); never waits."""


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


class Hub:
    """The sockets of this process, indexed by room and by user, and their layer subscriptions."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.rooms: dict[int, set[Socket]] = defaultdict(set)
        self.users: dict[int, set[Socket]] = defaultdict(set)
        self.socket_rooms: dict[Socket, set[int]] = {}
        # Group add/discard for one group must not interleave (Redis may reorder them).
        self.subscriptions = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        # Set from the first failure the watch sees until delivery has resumed.
        self.layer_down = False
        self.interrupted_at = 0.0
        # Set by a failed receive: the watch looks at the layer now rather than on its round.
        self.layer_trouble = asyncio.Event()
        self.marker: LayerMarker | None = None

    async def start(self) -> None:
        if self.channel is None:
            channel = await self.layer.new_channel()
            if LayerMarker.supports(self.layer):
                marker = LayerMarker(self.layer, channel)
                await marker.state_lost()  # before any group exists, so no restart goes unseen
                self.marker = marker
            self.channel = channel
            self.tasks = [
                asyncio.create_task(self.receive_forever()),
                asyncio.create_task(self.refresh_groups_forever()),
            ]
            if self.marker is not None:
                self.tasks.append(asyncio.create_task(self.watch_layer_forever()))

    async def attach(self, socket: Socket, room_ids: Iterable[int]) -> None:
        async with self.subscriptions:
            await self.start()
            try:
                if not self.users.get(socket.user_id):
                    await self.layer.group_add(user_group(socket.user_id), self.channel)
                self.users[socket.user_id].add(socket)
                self.socket_rooms[socket] = set()
                for room_id in room_ids:
                    await self.subscribe(socket, room_id)
            except BaseException:
                # The layer failed (Redis down): the socket is refused, so it must not stay.
                await self.forget(socket)
                raise

    async def detach(self, socket: Socket) -> None:
        async with self.subscriptions:
            await self.forget(socket)

    async def forget(self, socket: Socket) -> None:
        for room_id in self.socket_rooms.pop(socket, set()):
            await self.unsubscribe(socket, room_id)
        sockets = self.users.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.users[socket.user_id]
                await self.leave_group(user_group(socket.user_id))

    async def subscribe(self, socket: Socket, room_id: int) -> None:
        if not self.rooms.get(room_id):
            await self.layer.group_add(room_group(room_id), self.channel)
        self.rooms[room_id].add(socket)
        self.socket_rooms[socket].add(room_id)

    async def unsubscribe(self, socket: Socket, room_id: int) -> None:
        sockets = self.rooms.get(room_id)
        if sockets is None:
            return
        sockets.discard(socket)
        self.socket_rooms.get(socket, set()).discard(room_id)
        if not sockets:
            del self.rooms[room_id]
            await self.leave_group(room_group(room_id))

    async def leave_group(self, group: str) -> None:
        """group_discard, which may fail while Redis is down: the socket leaves all the same.

        Left in the group, the channel gets events nobody here wants until Redis forgets the
        group (on restart, or group_expiry): cheaper than sockets that cannot close.
        """
        try:
            await self.layer.group_discard(group, self.channel)
        except Exception:
            self.layer_trouble.set()

    async def receive_forever(self) -> None:
        # This task is the process's only way to hear of room events: it must outlive errors
        # (a Redis timeout or reconnect), or every socket of the process goes silent.
        failures = 0
        while True:
            try:
                event = await self.receive_event()
            except RECEIVE_TIMEOUTS:
                continue  # nothing to receive for a while: ask again at once
            except Exception:
                failures += 1
                self.layer_trouble.set()
                if failures == 1 and not self.layer_down:
                    # The watch logs outages; this is for a receive failing on its own.
                    logger.warning("channel layer receive failed; retrying", exc_info=True)
                await asyncio.sleep(retry_delay(failures))
                continue
            failures = 0
            try:
                await self.dispatch(event)
            except Exception:
                logger.exception("fan-out event %s failed", event.get("type"))

    async def receive_event(self) -> dict:
        """The layer's next event; a cancellation always ends the receive."""
        return await until_cancelled(self.layer.receive(self.channel))

    async def dispatch(self, event: dict) -> None:
        if event["type"] == "fanout.revoke":
            for socket in list(self.users.get(event["user"], ())):
                socket.revoke(event["credential"])
            return
        frame = event["frame"]
        if event["type"] == "fanout.room":
            sockets = list(self.rooms.get(event["room"], ()))
            if event.get("closes_room"):
                async with self.subscriptions:
                    for socket in sockets:
                        await self.unsubscribe(socket, event["room"])
        else:
            sockets = list(self.users.get(event["user"], ()))
            async with self.subscriptions:
                for socket in sockets:
                    if socket not in self.socket_rooms:
                        continue  # detached meanwhile
                    if event["type"] == "fanout.join":
                        await self.subscribe(socket, event["room"])
                    else:
                        await self.unsubscribe(socket, event["room"])
        for socket in sockets:
            socket.push(frame)

    async def refresh_groups_forever(self) -> None:
        while True:
            await asyncio.sleep(GROUP_REFRESH_SECONDS)
            async with self.subscriptions:
                await self.add_all_groups()

    async def add_all_groups(self) -> None:
        """Add this process's channel to every group it needs; the caller holds the lock."""
        groups = [room_group(r) for r in self.rooms] + [user_group(u) for u in self.users]
        for group in groups:
            await self.layer.group_add(group, self.channel)

    # Delivery interruptions: only this task changes layer_down, so the states cannot race.

    async def watch_layer_forever(self) -> None:
        failures = 0
        while True:
            delay = retry_delay(failures) if failures else LAYER_CHECK_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.layer_trouble.wait(), delay)
            self.layer_trouble.clear()
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
        if state_lost or self.layer_down:
            await self.resume_delivery(state_lost)

    def delivery_interrupted(self, error: Exception) -> None:
        """Once per outage: log it and tell every socket, which catches up once it is over."""
        if self.layer_down:
            return
        self.layer_down = True
        self.interrupted_at = time.monotonic()
        logger.error("channel layer unreachable: live delivery interrupted", exc_info=error)
        frame = encode(error_event("unavailable", LAYER_UNAVAILABLE))
        for socket in list(self.socket_rooms):
            socket.push(frame)

    async def resume_delivery(self, state_lost: bool) -> None:
        """Subscribe again to what Redis forgot, and have every socket fetch what it missed.

        Joins and leaves published meanwhile were lost too: the database says which rooms
        each user is in now (a user removed meanwhile must not go on receiving the room).
        """
        async with self.subscriptions:
            rooms_by_user = await rooms_of_users(list(self.users))
            for user_id, sockets in list(self.users.items()):
                rooms = rooms_by_user.get(user_id, set())
                for socket in list(sockets):
                    following = self.socket_rooms.get(socket, set())
                    for room_id in following - rooms:
                        await self.unsubscribe(socket, room_id)
                    for room_id in rooms - following:
                        await self.subscribe(socket, room_id)
            await self.add_all_groups()
        if self.layer_down:
            logger.warning(
                "channel layer back after %.1f s: groups re-added, sockets asked to resync",
                time.monotonic() - self.interrupted_at,
            )
        else:
            logger.warning("channel layer lost its state (restarted?): groups re-added")
        self.layer_down = False
        for socket, room_ids in list(self.socket_rooms.items()):
            for room_id in room_ids:
                socket.push(encode({"type": "room.resync", "room": room_id}))


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
def rooms_of_users(user_ids: list[int]) -> dict[int, set[int]]:
    rooms = defaultdict(set)
    memberships = Membership.objects.filter(user_id__in=user_ids)
    for user_id, room_id in memberships.values_list("user_id", "room_id"):
        rooms[user_id].add(room_id)
    return rooms


class LayerMarker:
    """A key of the hub's in each Redis of a channels-redis layer: gone means Redis lost its state.

    A Redis that restarts between two receives can come back without the hub ever seeing an
    error (redis-py reconnects), with none of the hub's groups: the marker is how it knows.
    """

    @staticmethod
    def supports(layer) -> bool:
        return hasattr(layer, "ring_size") and hasattr(layer, "connection")

    def __init__(self, layer, channel: str):
        self.layer = layer
        self.key = f"{layer.prefix}:hub:{channel}"

    async def state_lost(self) -> bool:
        """Whether some Redis lost the marker since the last call; (re)writes it."""
        lost = False
        for index in range(self.layer.ring_size):
            previous = await self.layer.connection(index).set(
                self.key, 1, ex=LAYER_MARKER_TTL_SECONDS, get=True
            )
            lost = lost or previous is None
        return lost


def start_eagerly(coroutine: Coroutine) -> asyncio.Task | None:
    """Run `coroutine` now, in the caller's step; only if it has to wait does it get a task.

    A socket write seldom waits (only while the client's TCP buffer is full), so most
    writes end here, without the cost of a task per socket and frame (Python 3.12's eager
    tasks do this too, Task object included). Until it first waits, the coroutine runs in
    the caller's task: fine for an ASGI send, which does not care which task runs it.
    """
    try:
        awaited = coroutine.send(None)
    except StopIteration:
        return None
    return asyncio.create_task(finish(coroutine, awaited))


async def finish(coroutine: Coroutine, awaited: Any) -> Any:
    return await resume(coroutine, awaited)


@types.coroutine
def resume(coroutine: Coroutine, awaited: Any) -> Generator[Any, Any, Any]:
    """Go on with a coroutine started by hand, now waiting on `awaited`, as a task would."""
    while True:
        try:
            result = yield awaited
        except BaseException as error:  # a cancellation included: the coroutine must see it
            advance = partial(coroutine.throw, error)
        else:
            advance = partial(coroutine.send, result)
        try:
            awaited = advance()
        except StopIteration as finished:
            return finished.value


# One hub per event loop: a server process has one loop; each async test has its own.
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub()
    return _hubs[loop]


# Publishing: called by the service layer after the change is committed.


def encode(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


async def publish_to_room(room_id: int, event: dict, *, closes_room: bool = False) -> None:
    """Deliver `event` to every socket following the room, in every process."""
    message = {"type": "fanout.room", "room": room_id, "frame": encode(event)}
    if closes_room:
        message["closes_room"] = True
    await send_to_group(room_group(room_id), message)


async def publish_membership(user_id: int, room_id: int, joined: bool, event: dict) -> None:
    """(Un)subscribe every socket of the user, in every process, then deliver `event` to them."""
    message = {
        "type": "fanout.join" if joined else "fanout.leave",
        "user": user_id,
        "room": room_id,
        "frame": encode(event),
    }
    await send_to_group(user_group(user_id), message)


async def publish_revocation(user_id: int, credential_id: str | None) -> None:
    """Close the user's sockets opened with that credential (None: all), in every process."""
    message = {"type": "fanout.revoke", "user": user_id, "credential": credential_id}
    await send_to_group(user_group(user_id), message)


async def publish_many_to_rooms(events: list[tuple[int, dict]]) -> None:
    """publish_to_room for each (room id, event), in order: one hop from a sync caller."""
    for room_id, event in events:
        await send_to_group(
            room_group(room_id), {"type": "fanout.room", "room": room_id, "frame": encode(event)}
        )


async def send_to_group(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        # Every socket lives in this process: hand the event straight to its hub. The
        # in-memory layer would queue it and scan all its groups and channels first,
        # on every send and every receive.
        await get_hub().dispatch(message)
    else:
        await layer.group_send(group, message)


publish_to_room_sync = async_to_sync(publish_to_room)
publish_many_to_rooms_sync = async_to_sync(publish_many_to_rooms)
publish_membership_sync = async_to_sync(publish_membership)
publish_revocation_sync = async_to_sync(publish_revocation)
