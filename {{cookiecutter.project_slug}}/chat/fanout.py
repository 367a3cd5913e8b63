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
"""

import asyncio
import json
import logging
import types
import weakref
from collections import defaultdict
from collections.abc import Coroutine, Generator, Iterable
from functools import partial
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

# Channel layers forget group members after a day (group_expiry): re-add well before.
GROUP_REFRESH_SECONDS = 60 * 60


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

    async def start(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.tasks = [
                asyncio.create_task(self.receive_forever()),
                asyncio.create_task(self.refresh_groups_forever()),
            ]

    async def attach(self, socket: Socket, room_ids: Iterable[int]) -> None:
        await self.start()
        async with self.subscriptions:
            if not self.users[socket.user_id]:
                await self.layer.group_add(user_group(socket.user_id), self.channel)
            self.users[socket.user_id].add(socket)
            self.socket_rooms[socket] = set()
            for room_id in room_ids:
                await self.subscribe(socket, room_id)

    async def detach(self, socket: Socket) -> None:
        async with self.subscriptions:
            for room_id in self.socket_rooms.pop(socket, set()):
                await self.unsubscribe(socket, room_id)
            sockets = self.users.get(socket.user_id)
            if sockets is not None:
                sockets.discard(socket)
                if not sockets:
                    del self.users[socket.user_id]
                    await self.layer.group_discard(user_group(socket.user_id), self.channel)

    async def subscribe(self, socket: Socket, room_id: int) -> None:
        if not self.rooms[room_id]:
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
            await self.layer.group_discard(room_group(room_id), self.channel)

    async def receive_forever(self) -> None:
        # This task is the process's only way to hear of room events: it must outlive errors
        # (a Redis timeout or reconnect), or every socket of the process goes silent.
        while True:
            try:
                event = await self.receive_event()
            except Exception:
                logger.exception("channel layer receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            try:
                await self.dispatch(event)
            except Exception:
                logger.exception("fan-out event %s failed", event.get("type"))

    async def receive_event(self) -> dict:
        """The layer's next event; a cancellation always ends the receive.

        redis-py can swallow a cancellation that lands during a read (it becomes a timeout,
        which it retries), and a shutdown would then wait forever on this task. So the read
        runs apart, and a cancellation is repeated on it until it has really stopped.
        """
        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
        try:
            return await asyncio.shield(receiving)
        except asyncio.CancelledError:
            while not receiving.done():
                receiving.cancel()
                await asyncio.wait([receiving], timeout=0.05)
            raise

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
                groups = [room_group(r) for r in self.rooms] + [user_group(u) for u in self.users]
                for group in groups:
                    await self.layer.group_add(group, self.channel)


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
