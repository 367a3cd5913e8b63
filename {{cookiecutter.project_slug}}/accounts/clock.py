"""The time credential expiry is measured by, handed to the code that needs it.

Sockets close when their credential expires, and tickets stop working after a few
seconds: both read the time through a Clock, so a test hands them a clock it moves by
hand (accounts/tests/clock.py) instead of waiting for the wall clock.
"""

import asyncio
import time


class Clock:
    """Unix time, and waiting until a moment of it."""

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, moment: float) -> None:
        await asyncio.sleep(max(0.0, moment - self.now()))
