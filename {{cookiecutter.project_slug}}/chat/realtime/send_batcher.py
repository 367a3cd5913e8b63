"""Group commit for sends from sockets: the messages that arrive together are stored together.

Storing is the cost of a small room's message: a thread hop, a few queries and a commit.
A process's sockets hand their sends to one batcher; while it stores one batch (one
transaction through chat/domain/sending.py), the next batch gathers and the one before is
published. Under light load a batch is one message, which waits two turns of the event loop;
under heavy load the per-message cost falls with the batch size. Every sender still learns
its own result only after the commit.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from django.db import InterfaceError, OperationalError, connection

from ..domain.errors import ChatError
from ..domain.sending import SendRequest, send_messages
from ..models import Message
from .per_loop import per_loop
from .publish import publish_many_to_rooms

logger = logging.getLogger(__name__)

# One transaction this large still commits in milliseconds; beyond it, latency would suffer.
MAX_BATCH = 500
# Turns of the event loop a batch waits at most for more sends to join it (SendBatcher.gather).
GATHER_TURNS = 8

# The process's one thread storing sockets' sends, with a database connection of its own.
# A plain executor hop: asgiref's sync_to_async also copies the caller's context variables
# to the thread and back and shields the call, 30 us of CPU more per batch (60 against 31,
# uvloop, one core), and each send to a busy room is a batch of its own.
STORING_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-sends")


def store_batch(requests: list[SendRequest]) -> tuple[list, list]:
    """The batch's outcomes, and the events of its new messages, committed, to publish."""
    committed = []
    # Runs on STORING_THREAD, whose connection is kept between batches (no reconnect per
    # batch), so after the database has gone away (a restart, a failover) the first batch
    # fails: reconnect and retry it once.
    try:
        return send_messages(requests, publish=committed.extend), committed
    except (InterfaceError, OperationalError):
        connection.close()
        return send_messages(requests, publish=committed.extend), committed


class Stored(NamedTuple):
    """A send that is stored: its message, and whether the room's event for it went out.

    That event is the sender's acknowledgement. When it did not go out (a resend of a stored
    message, or publishing failed after the commit), the sender's socket acks it itself.
    """

    message: Message
    echoed: bool


class SendBatcher:
    def __init__(self):
        self.queue: list[tuple[SendRequest, asyncio.Future]] = []
        self.flushing: asyncio.Task | None = None
        # The last stored batch's publishing: the next batch is stored meanwhile, and
        # published only after it, so that each room's events go out in the order numbered.
        self.publishing: asyncio.Task | None = None

    def submit(self, request: SendRequest) -> asyncio.Future:
        """Queue one send; the future gets its outcome once committed and published.

        The outcome is Stored, or the ChatError that refused the send. Anything else that
        failed (the database is unreachable) is the future's exception.
        """
        outcome = asyncio.get_running_loop().create_future()
        self.queue.append((request, outcome))
        if self.flushing is None:
            self.flushing = asyncio.create_task(self.flush())
        return outcome

    async def flush(self) -> None:
        try:
            while self.queue:
                await self.gather()
                batch, self.queue = self.queue[:MAX_BATCH], self.queue[MAX_BATCH:]
                # While the database thread stores this batch, the loop publishes the one
                # before: neither waits for the other (with PostgreSQL, a third of a batch's
                # time is the database's).
                stored = await self.store([request for request, _ in batch])
                if self.publishing is not None:
                    await self.publishing
                self.publishing = asyncio.create_task(self.publish(batch, *stored))
        finally:
            self.flushing = None

    async def gather(self) -> None:
        """Wait while sends keep joining the queue, GATHER_TURNS turns of the loop at most.

        When a batch has been stored, other sockets' frames are often read, or readable, with
        their sends a turn or two short of the queue: a batch taken at once leaves them to
        batches of their own, and each batch costs a transaction's fixed share, on SQLite
        about as much storing CPU as three messages. Taken at once, the benchmark's small
        rooms' batches were two sends in the median, and their messages cost the server a
        fifth more CPU. Two turns per look: in one the loop reads the sockets, in the next
        the consumers it woke submit. A lone send waits two turns.
        """
        for _ in range(GATHER_TURNS // 2):
            queued = len(self.queue)
            if queued >= MAX_BATCH:
                return
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            if len(self.queue) == queued:
                return

    async def store(self, requests: list[SendRequest]) -> tuple[list, list]:
        """The batch's outcomes and the events to publish; every outcome the exception if
        storing failed as a whole."""
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(STORING_THREAD, store_batch, requests)
        except Exception as error:
            return [error] * len(requests), []

    async def publish(self, batch: list, outcomes: list, committed: list) -> None:
        """Publish a stored batch's events, then answer each of its senders."""
        try:
            # From this loop, not from the database thread: no hop back and forth.
            await publish_many_to_rooms(committed)
            published = True
        except Exception:
            # The messages are stored: their senders get their acks all the same, and the
            # other sockets catch up by cursor.
            logger.exception("publishing %d stored messages failed", len(committed))
            published = False
        for (_, result), outcome in zip(batch, outcomes, strict=True):
            if result.done():
                continue  # its caller stopped waiting
            if isinstance(outcome, Exception) and not isinstance(outcome, ChatError):
                result.set_exception(outcome)
            elif isinstance(outcome, Exception):
                result.set_result(outcome)
            else:
                result.set_result(Stored(outcome[0], outcome[1] and published))


# One batcher per event loop, like the hub: a server process has one loop.
get_send_batcher = per_loop(SendBatcher)
