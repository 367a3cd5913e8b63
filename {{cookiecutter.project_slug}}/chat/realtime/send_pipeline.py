"""A socket's sends in flight: handed to the process's batcher, answered as each is stored.

The socket reads the client's next frame without waiting for its send to be stored, so a
client's sends in a row are stored together (one batch, one commit) instead of each waiting
for the one before; the batcher keeps their order. At most MAX_SENDS_IN_FLIGHT wait at once.
"""

import asyncio
import logging
from collections.abc import Callable
from functools import partial

from ..domain.errors import ChatError
from ..domain.sending import SendRequest
from .send_batcher import Stored, get_send_batcher

logger = logging.getLogger(__name__)

# Sends of one socket waiting to be stored before it reads the client's next frame: enough
# to fill a batch, few enough that one client cannot queue unbounded work on the batcher.
MAX_SENDS_IN_FLIGHT = 32


class SendPipeline:
    def __init__(
        self,
        on_stored: Callable[[Stored], None],
        on_refused: Callable[[ChatError, str | None], None],
        on_failed: Callable[[str | None], None],
    ):
        # Each outcome goes to one of these, with the send's client_id where it has one.
        self.on_stored = on_stored
        self.on_refused = on_refused
        self.on_failed = on_failed
        self.in_flight: set[asyncio.Future] = set()

    async def submit(self, request: SendRequest, client_id: str | None) -> None:
        """Hand the send to the batcher; waits only while MAX_SENDS_IN_FLIGHT are in flight."""
        if len(self.in_flight) >= MAX_SENDS_IN_FLIGHT:
            await asyncio.wait(self.in_flight, return_when=asyncio.FIRST_COMPLETED)
        stored = get_send_batcher().submit(request)
        self.in_flight.add(stored)
        stored.add_done_callback(partial(self.answer, client_id))

    def answer(self, client_id: str | None, stored: asyncio.Future) -> None:
        self.in_flight.discard(stored)
        if stored.cancelled():
            return
        if stored.exception() is not None:
            logger.error("storing a message failed", exc_info=stored.exception())
            self.on_failed(client_id)
            return
        outcome = stored.result()
        if isinstance(outcome, ChatError):
            self.on_refused(outcome, client_id)
        else:
            self.on_stored(outcome)

    async def settle(self) -> None:
        """Wait until every send in flight is answered."""
        if self.in_flight:
            await asyncio.wait(self.in_flight)
            # Their answers are queued callbacks: let them run first.
            await asyncio.sleep(0)
