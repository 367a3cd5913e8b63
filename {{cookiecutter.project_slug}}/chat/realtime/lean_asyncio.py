"""asyncio's Queue and Event as every socket's protocol holds them, without their deques.

uvicorn's WebSocket protocol keeps, per socket, a queue of the ASGI events its application
has yet to receive and an event saying whether the client is taking writes. asyncio's own
hold four deques between them, and a deque costs 760 bytes before it holds anything: on an
idle socket, over a tenth of its memory (bench/socket_memory.py). These hold a list only
while something waits or is queued: a short one, since uvicorn stops reading a socket while
its application has an event to receive. The production protocol (uvicorn_protocol.py) puts
them in place of asyncio's; chat/tests/test_lean_asyncio.py holds them to asyncio's behaviour.
"""

import asyncio
from contextlib import suppress


class LeanQueue:
    """An unbounded first-in first-out queue: put_nowait, get, get_nowait, empty, qsize."""

    __slots__ = ("getters", "items")

    def __init__(self):
        self.items: list | None = None
        # Futures of the get() calls waiting for an item, first come first served.
        self.getters: list[asyncio.Future] | None = None

    def empty(self) -> bool:
        return not self.items

    def qsize(self) -> int:
        return len(self.items) if self.items else 0

    def put_nowait(self, item) -> None:
        if self.items is None:
            self.items = []
        self.items.append(item)
        self.wake_next_getter()

    def get_nowait(self):
        if not self.items:
            raise asyncio.QueueEmpty
        item = self.items.pop(0)
        if not self.items:
            self.items = None
        return item

    async def get(self):
        while not self.items:
            getter = asyncio.get_running_loop().create_future()
            if self.getters is None:
                self.getters = []
            self.getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                self.forget(getter)
                # Woken and then cancelled: the item it was woken for is the next getter's.
                if self.items and not getter.cancelled():
                    self.wake_next_getter()
                raise
            self.forget(getter)
        return self.get_nowait()

    def wake_next_getter(self) -> None:
        while self.getters:
            getter = self.getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                break
        if not self.getters:
            self.getters = None

    def forget(self, getter: asyncio.Future) -> None:
        if self.getters is not None:
            with suppress(ValueError):  # already woken
                self.getters.remove(getter)
            if not self.getters:
                self.getters = None


class LeanEvent:
    """A flag that tasks can wait to be set: set, clear, is_set, wait."""

    __slots__ = ("value", "waiters")

    def __init__(self):
        self.value = False
        self.waiters: list[asyncio.Future] | None = None

    def is_set(self) -> bool:
        return self.value

    def set(self) -> None:
        if not self.value:
            self.value = True
            waiters, self.waiters = self.waiters, None
            for waiter in waiters or ():
                if not waiter.done():
                    waiter.set_result(True)

    def clear(self) -> None:
        self.value = False

    async def wait(self) -> bool:
        if self.value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self.waiters is None:
            self.waiters = []
        self.waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            if self.waiters is not None and waiter in self.waiters:
                self.waiters.remove(waiter)
                if not self.waiters:
                    self.waiters = None
