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

    def get() -> T:
        loop = asyncio.get_running_loop()
        instance = instances.get(loop)
        if instance is None:
            instance = instances[loop] = factory()
        return instance

    return get
