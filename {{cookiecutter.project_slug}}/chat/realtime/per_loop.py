"""One instance per event loop, for the process-wide parts of the transport (hub, batcher, limiter).

A server process runs one event loop, so this is one per process; each async test runs its
own loop and so gets fresh ones, with nothing left over from the test before.
"""

import asyncio
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def per_loop(factory: Callable[[], T]) -> Callable[[], T]:
    """A getter that makes `factory()` once per running event loop and returns it after that."""
    instances: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = weakref.WeakKeyDictionary()
    # The last loop asked about and its instance: a server's one loop asks every time, and
    # this spares it the weak dictionary's lookup (several per message sent). It holds one
    # loop that has finished until a new one asks, and nothing of it is used after that.
    last: tuple[asyncio.AbstractEventLoop | None, T | None] = (None, None)

    def get() -> T:
        nonlocal last
        loop = asyncio.get_running_loop()
        last_loop, instance = last
        if loop is last_loop:
            return instance
        instance = instances.get(loop)
        if instance is None:
            instance = instances[loop] = factory()
        last = (loop, instance)
        return instance

    return get
