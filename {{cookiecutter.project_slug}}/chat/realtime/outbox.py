"""A socket's outgoing frames: written at once if possible, else queued, in order, never waited on.

Every frame for the client, room event or reply, is written at once when the server offers
that (chat/realtime/uvicorn_protocol.py) and nothing is queued before it; otherwise it goes
through the queue, which a task drains through the ASGI send. So frames reach the client in
order and nothing waits on a slow client but its own drain: the hub, pushing one event to a
whole room, never waits. A client that falls `limit` frames behind is dropped.
"""

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from .eager import start_eagerly

logger = logging.getLogger(__name__)

# The ASGI scope extension through which a server offers direct writes, all of the texts or none:
# `scope["extensions"][WRITE_TEXTS_NOW]["write"](texts) -> bool` (see uvicorn_protocol.py).
WRITE_TEXTS_NOW = "chat.write_texts_now"
# The frames of a socket with no backlog: most sockets, most of the time, so none of them pays for
# an empty deque (its first block is most of a kilobyte) while idle.
NO_BACKLOG: tuple[str, ...] = ()


class Outbox:
    def __init__(
        self,
        send_text: Callable[[str], Awaitable[None]],
        limit: int,
        on_overflow: Callable[[], None],
        on_failure: Callable[[], None],
    ):
        # The ASGI send of one text frame.
        self.send_text = send_text
        self.limit = limit
        # Called once when the client has fallen `limit` frames behind.
        self.on_overflow = on_overflow
        # Called once when writing failed other than by the client going away.
        self.on_failure = on_failure
        # The server's direct write, when it offers one: write(texts) -> whether they went out.
        self.write_now: Callable[[tuple[str, ...]], bool] | None = None
        # The backlog: a deque while a drain runs, else NO_BACKLOG.
        self.frames: deque[str] | tuple[str, ...] = NO_BACKLOG
        # Drains `frames`; exists only while the client has a backlog (eager.py).
        self.draining: asyncio.Task | None = None
        # Set once the socket is on its way out: frames for it are dropped from then on.
        self.closed = False

    def push(self, frames: tuple[str, ...]) -> None:
        """Queue frames for the client, in order, without waiting for them to be written.

        The same tuple pushed to many sockets is framed once for them all (uvicorn_protocol.py),
        and the frames of one push go out in one write when the client is keeping up.
        """
        if self.closed or not frames:  # none: a resync of a socket that follows no room
            return
        if self.draining is None:
            if self.write_now is not None and self.written_now(frames):
                return
            self.frames = deque(frames)
            self.draining = start_eagerly(self.drain())
        elif len(self.frames) + len(frames) <= self.limit:
            self.frames.extend(frames)
        else:
            self.close()
            self.on_overflow()

    def written_now(self, frames: tuple[str, ...]) -> bool:
        """Whether the server wrote the frames at once; if not, they go through the ASGI send."""
        try:
            return self.write_now(frames)
        except Exception:
            # The server's direct write is broken (an upgrade changed what it relies on):
            # this socket goes on with the ASGI send, which every server has.
            logger.exception("direct write failed; this socket falls back to the ASGI send")
            self.write_now = None
            return False

    async def drain(self) -> None:
        try:
            while self.frames:
                await self.send_text(self.frames.popleft())
        except OSError:
            # The client is gone (uvicorn raises ClientDisconnected); its disconnect follows.
            self.close()
        except Exception:
            # Whatever failed, it must not reach the hub, which is pushing to other sockets,
            # and the client must not be left waiting on a socket that says nothing.
            logger.exception("writing to a socket failed; closing it")
            self.close()
            self.on_failure()
        finally:
            self.draining = None
            self.frames = NO_BACKLOG

    def close(self) -> None:
        """Drop the frames queued and all to come, and cut short the write in progress.

        The client fetches what it was not sent by cursor after reconnecting.
        """
        self.closed = True
        self.frames = NO_BACKLOG
        if self.draining is not None and self.draining is not asyncio.current_task():
            self.draining.cancel()
