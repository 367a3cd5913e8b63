"""The benchmark's clients: real WebSocket connections that send, receive and check.

Every server speaks the generated project's frames: a client sends `{"type":
"message.send", "room", "body", "client_id"}` and every socket in the room, the
sender's included, receives `{"type": "message.new", "message": {..., "client_id"}}`.
The client_id carries the room's sequence number, so each socket checks that it got
every message of its room exactly once and in order.
"""

import asyncio
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from websockets.asyncio.client import ClientConnection, connect

ORIGIN = "http://127.0.0.1"
BODY = "A chat message of ordinary length, about sixty characters."


@dataclass
class Endpoint:
    """How one simulated user reaches a server: URL, handshake headers, rooms it follows."""

    url: str
    headers: dict
    # The generated project says `session.ready` once the socket follows all its rooms.
    ready_frame: bool


def endpoint(server, user: int, room: int, seed: dict | None, process: int = 0) -> Endpoint:
    """User `user` (an index) in room `room` (a real room id) on process `process`."""
    host = f"127.0.0.1:{server.ports[process]}"
    if server.kind == "generated":
        headers = {"Authorization": f"Token {seed['tokens'][user]}"}
        return Endpoint(f"ws://{host}/ws/chat/", headers, ready_frame=True)
    if server.kind == "tutorial":
        return Endpoint(f"ws://{host}/ws/chat/{room}/?user={user}", {}, ready_frame=False)
    return Endpoint(f"ws://{host}/?user={user}&room={room}", {}, ready_frame=False)


async def open_socket(end: Endpoint) -> ClientConnection:
    socket = await connect(
        end.url,
        additional_headers=end.headers,
        origin=ORIGIN,
        # Offer permessage-deflate, as every browser does: the server decides.
        compression="deflate",
        max_size=2**20,
        open_timeout=120,
        ping_interval=None,
        close_timeout=2,
    )
    if end.ready_frame:
        frame = json.loads(await socket.recv())
        if frame.get("type") != "session.ready":
            raise RuntimeError(f"expected session.ready, got {frame}")
    return socket


async def open_sockets(
    ends: list[Endpoint],
    on_open: Callable[[int, ClientConnection], object] | None = None,
    concurrency: int = 50,
) -> list[ClientConnection]:
    """Open a socket per endpoint; `on_open(index, socket)` as each one opens, to start reading it.

    Thousands take longer to open than the server's keepalive allows a silent client (40 s): a
    socket left unread meanwhile stops answering pings once a few frames wait in it, and the
    server rightly drops it. A browser reads its socket from the moment it opens.
    """
    gate = asyncio.Semaphore(concurrency)

    async def one(index, end):
        async with gate:
            socket = await open_socket(end)
        if on_open is not None:
            on_open(index, socket)
        return socket

    return list(await asyncio.gather(*(one(index, end) for index, end in enumerate(ends))))


def reading(readers: list[asyncio.Task], read: Callable[[ClientConnection, int], Awaitable]):
    """An `on_open` that starts `read(socket, index)` as a task, kept in `readers`."""
    return lambda index, socket: readers.append(asyncio.create_task(read(socket, index)))


async def discard(socket: ClientConnection, index: int) -> None:
    """Read and drop what arrives, as an idle browser tab does: pings get their pongs."""
    async for _ in socket:
        pass


class Tracker:
    """Messages in flight: who must still receive each one, latencies, and order violations."""

    def __init__(self):
        self.sent_at: dict[str, float] = {}
        self.waiting: dict[str, int] = {}
        self.on_complete: dict[str, asyncio.Future] = {}
        self.latencies: list[float] = []
        self.next_sequence: dict[tuple[int, int], int] = defaultdict(int)
        self.violations: list[str] = []
        self.deliveries = 0
        self.errors: list[dict] = []

    def expect(self, client_id: str, recipients: int) -> asyncio.Future:
        done = asyncio.get_running_loop().create_future()
        self.waiting[client_id] = recipients
        self.on_complete[client_id] = done
        self.sent_at[client_id] = time.perf_counter()
        return done

    def received(self, socket_index: int, text: str, now: float) -> None:
        frame = json.loads(text)
        if frame.get("type") != "message.new":
            if frame.get("type") == "error":
                self.errors.append(frame)
            return
        client_id = frame["message"]["client_id"]
        room, sequence, _ = client_id.split("-", 2)
        key = (socket_index, int(room))
        if int(sequence) != self.next_sequence[key]:
            self.violations.append(
                f"socket {socket_index} room {room}: got #{sequence}, "
                f"expected #{self.next_sequence[key]}"
            )
        self.next_sequence[key] = int(sequence) + 1
        self.deliveries += 1
        self.latencies.append(now - self.sent_at[client_id])
        self.waiting[client_id] -= 1
        if self.waiting[client_id] == 0:
            del self.waiting[client_id]
            self.on_complete.pop(client_id).set_result(None)

    async def listen(self, socket: ClientConnection, socket_index: int) -> None:
        async for text in socket:
            self.received(socket_index, text, time.perf_counter())

    def reset_measurements(self) -> None:
        self.latencies = []
        self.deliveries = 0


class Room:
    """One room under load: its sender's socket and the sockets that must receive."""

    def __init__(self, room_id: int, sender: ClientConnection, members: int, tracker: Tracker):
        self.room_id = room_id
        self.sender = sender
        self.members = members  # sockets that receive each message, the sender's included
        self.tracker = tracker
        self.sequence = 0

    async def send(self) -> asyncio.Future:
        client_id = f"{self.room_id}-{self.sequence}-{uuid.uuid4().hex[:8]}"
        self.sequence += 1
        done = self.tracker.expect(client_id, self.members)
        frame = {"type": "message.send", "room": self.room_id, "body": BODY, "client_id": client_id}
        await self.sender.send(json.dumps(frame))
        return done


async def closed_loop(rooms: list[Room], window: int, duration: float) -> int:
    """Each room keeps `window` messages in flight for `duration` s; returns messages sent."""
    deadline = time.perf_counter() + duration
    sent = 0

    async def drive(room: Room):
        nonlocal sent
        in_flight: set[asyncio.Future] = set()
        while time.perf_counter() < deadline:
            while len(in_flight) < window:
                in_flight.add(await room.send())
                sent += 1
            _, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.gather(*in_flight)

    await asyncio.gather(*(drive(room) for room in rooms))
    return sent


async def open_loop(rooms: list[Room], rate: float, duration: float) -> int:
    """Send `rate` messages/s in all, spread over the rooms in turn; waits for delivery."""
    interval = 1 / rate
    start = time.perf_counter()
    pending = []
    count = max(1, int(rate * duration))
    for index in range(count):
        delay = start + index * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        pending.append(await rooms[index % len(rooms)].send())
    await asyncio.gather(*pending)
    return count


def check_delivery(tracker: Tracker, rooms: list[Room], sockets_per_room: dict[int, list[int]]):
    """Exactly once, in order: every socket of a room saw #0..#n-1 of that room, nothing else."""
    problems = list(tracker.violations)
    for room in rooms:
        for socket_index in sockets_per_room[room.room_id]:
            got = tracker.next_sequence[(socket_index, room.room_id)]
            if got != room.sequence:
                problems.append(
                    f"socket {socket_index} room {room.room_id}: last #{got - 1}, "
                    f"sent #{room.sequence - 1}"
                )
    if tracker.errors:
        problems.append(f"server errors: {tracker.errors[:3]}")
    return problems
