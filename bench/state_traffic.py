"""The conversation-state traffic of a big room: typing indicators and read receipts.

In the fan-out room every member types (typing.start, then typing.stop, round after round)
and reads each new message (room.read). Measured against message fan-out in the same room on
the same server, so that the ratio says what the new traffic costs next to messages.
"""

import asyncio
import json
import time
import uuid

from load import BODY, endpoint, open_sockets

# Rounds of each kind; each round waits until every frame it causes has arrived.
ROUNDS = {"messages": 20, "typing": 10, "reads": 10}


class Counter:
    """Frames of each type received over all the sockets, and a way to wait for a total."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.waiters: list[tuple[str, int, asyncio.Future]] = []
        self.last_message_id = 0

    def received(self, text: str) -> None:
        frame = json.loads(text)
        kind = frame["type"]
        if kind == "error":
            raise RuntimeError(f"the server refused a frame: {frame}")
        if kind == "message.new":
            self.last_message_id = max(self.last_message_id, frame["message"]["id"])
        self.counts[kind] = self.counts.get(kind, 0) + 1
        for waiter in list(self.waiters):
            wanted, total, done = waiter
            if self.counts.get(wanted, 0) >= total and not done.done():
                done.set_result(None)
                self.waiters.remove(waiter)

    async def until(self, kind: str, total: int) -> None:
        if self.counts.get(kind, 0) >= total:
            return
        done = asyncio.get_running_loop().create_future()
        self.waiters.append((kind, total, done))
        await asyncio.wait_for(done, 120)


async def listen(socket, counter: Counter) -> None:
    async for text in socket:
        counter.received(text)


async def timed(server, work) -> tuple[float, float]:
    cpu, wall = server.cpu_seconds(), time.perf_counter()
    await work()
    return server.cpu_seconds() - cpu, time.perf_counter() - wall


async def state_traffic(server, size: dict) -> dict:
    room = server.seed["group_room"]
    members = size["fanout_receivers"] + 1
    ends = [endpoint(server, user, room, server.seed) for user in range(members)]
    sockets = await open_sockets(ends)
    counter = Counter()
    listeners = [asyncio.create_task(listen(socket, counter)) for socket in sockets]

    async def send(socket, frame: dict) -> None:
        await socket.send(json.dumps(frame))

    async def message_round() -> None:
        expected = counter.counts.get("message.new", 0) + members
        frame = {"type": "message.send", "room": room, "body": BODY, "client_id": uuid.uuid4().hex}
        await send(sockets[0], frame)
        await counter.until("message.new", expected)

    async def messages() -> None:
        for _ in range(ROUNDS["messages"]):
            await message_round()

    async def typing() -> None:
        for _ in range(ROUNDS["typing"]):
            for kind in ("typing.start", "typing.stop"):
                # Each member's event goes to every other member.
                expected = counter.counts.get(kind, 0) + members * (members - 1)
                await asyncio.gather(*(send(s, {"type": kind, "room": room}) for s in sockets))
                await counter.until(kind, expected)

    async def reads() -> None:
        for _ in range(ROUNDS["reads"]):
            await message_round()
            expected = counter.counts.get("room.read", 0) + members
            frame = {"type": "room.read", "room": room, "message": counter.last_message_id}
            await asyncio.gather(*(send(s, frame) for s in sockets))
            await counter.until("room.read", expected)

    try:
        await messages()  # warm-up
        message_cpu, _ = await timed(server, messages)
        typing_cpu, typing_wall = await timed(server, typing)
        read_cpu, read_wall = await timed(server, reads)
    finally:
        for listener in listeners:
            listener.cancel()
        for socket in sockets:
            socket.transport.abort()
        await asyncio.gather(*listeners, return_exceptions=True)
    message_deliveries = ROUNDS["messages"] * members
    typing_events = ROUNDS["typing"] * 2 * members
    typing_deliveries = typing_events * (members - 1)
    reads = ROUNDS["reads"] * members
    # A reads round also sends one message to the room: its cost is taken out.
    read_cpu -= ROUNDS["reads"] * message_cpu / ROUNDS["messages"]
    return {
        "message_cpu_us_per_delivery": message_cpu / message_deliveries * 1e6,
        "typing_events_per_s": typing_events / typing_wall,
        "typing_cpu_us_per_event": typing_cpu / typing_events * 1e6,
        "typing_cpu_us_per_delivery": typing_cpu / typing_deliveries * 1e6,
        "reads_per_s": reads / read_wall,
        "read_cpu_us_per_read": read_cpu / reads * 1e6,
    }
