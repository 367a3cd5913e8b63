"""Django's ASGI handler, with each request's synchronous code on a thread that is reused.

Django runs a request's synchronous middleware and view on a thread of the request's own
(asgiref's ThreadSensitiveContext): started for the request, joined after it. Each start
blocks the event loop, and every WebSocket with it, until the new thread runs; and since a
database connection belongs to its thread, every request opened and closed one. Here a
request borrows an idle single-thread executor (asgiref's `ThreadSensitiveContext(executor=)`)
and gives it back: as many threads as requests at once, as before, but started once and kept,
each with its database connection (CONN_MAX_AGE, config/settings/base.py), as a threaded WSGI
server's are. At most `limit` exist at once: past that, a request waits for one to come back,
so that clients, however many at once, cannot take more database connections than that.
"""

import asyncio
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections, connections


class RequestThreads:
    """Single-thread executors for requests: `limit` at most, `keep` at most of them idle; a
    returned one is reused, or handed to the request that has waited longest for one."""

    def __init__(self, keep: int, limit: int):
        self.keep = min(keep, limit)
        self.limit = limit
        self.idle: list[ThreadPoolExecutor] = []
        # Executors in existence, busy or idle.
        self.started = 0
        # Requests waiting for an executor, first come first served.
        self.waiting: deque[asyncio.Future] = deque()

    async def borrow(self) -> ThreadPoolExecutor:
        if self.idle:
            # The last one returned: its thread and its connection are the most recently used.
            return self.idle.pop()
        if self.started < self.limit:
            self.started += 1
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        handed = asyncio.get_running_loop().create_future()
        self.waiting.append(handed)
        try:
            return await handed
        except asyncio.CancelledError:
            if handed.done() and not handed.cancelled():
                # Handed one just as the request was cancelled: the next in line gets it.
                self.returned(handed.result())
            raise

    def give_back(self, executor: ThreadPoolExecutor) -> Future:
        """Idle again once its thread has finished what the request left it (a view still
        running after its client went away), so that no request waits behind another's.

        Once the future is done, the return is scheduled on this loop before anything the
        future's own callbacks schedule.
        """
        return executor.submit(self.tidy_then_return, asyncio.get_running_loop(), executor)

    def tidy_then_return(self, loop: asyncio.AbstractEventLoop, executor: ThreadPoolExecutor):
        """On the executor's thread: what Django's request_finished does, for a request that
        ended without it (its task cancelled, its client gone), then the return, on the loop.
        A thread that is kept must not keep a connection past its CONN_MAX_AGE either."""
        close_old_connections()
        loop.call_soon_threadsafe(self.returned, executor)

    def returned(self, executor: ThreadPoolExecutor) -> None:
        while self.waiting:
            handed = self.waiting.popleft()
            if not handed.done():  # a request that gave up waiting is skipped
                handed.set_result(executor)
                return
        if len(self.idle) < self.keep:
            self.idle.append(executor)
            return
        # More threads than a quieter moment needs: this one ends, and its connections first.
        self.started -= 1
        executor.submit(connections.close_all)
        executor.shutdown(wait=False)


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self, keep_threads: int, most_threads: int):
        super().__init__()
        self.threads = RequestThreads(keep_threads, most_threads)

    async def __call__(self, scope, receive, send):
        # As Django's ASGIHandler.__call__, with an executor of the pool for the context.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = await self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)
