"""Django's ASGI handler, with each request's synchronous code on a thread that is reused.

Django runs a request's synchronous middleware and view on a thread of the request's own
(asgiref's ThreadSensitiveContext): started for the request, joined after it. Each start
blocks the event loop, and every WebSocket with it, until the new thread runs; and since a
database connection belongs to its thread, every request opened and closed one. Here a
request borrows an idle single-thread executor (asgiref's `ThreadSensitiveContext(executor=)`)
and gives it back: as many threads as requests at once, as before, but started once and kept,
each with its database connection (CONN_MAX_AGE, config/settings/base.py), as a threaded WSGI
server's are.
"""

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections, connections


class RequestThreads:
    """Single-thread executors for requests: a returned one is reused, `keep` at most idle."""

    def __init__(self, keep: int):
        self.keep = keep
        self.idle: list[ThreadPoolExecutor] = []

    def borrow(self) -> ThreadPoolExecutor:
        if self.idle:
            # The last one returned: its thread and its connection are the most recently used.
            return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

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
        if len(self.idle) < self.keep:
            self.idle.append(executor)
            return
        # More threads than a quieter moment needs: this one ends, and its connections first.
        executor.submit(connections.close_all)
        executor.shutdown(wait=False)


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self, keep_threads: int):
        super().__init__()
        self.threads = RequestThreads(keep_threads)

    async def __call__(self, scope, receive, send):
        # As Django's ASGIHandler.__call__, with an executor of the pool for the context.
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self.threads.borrow()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor)
