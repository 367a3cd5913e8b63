"""A clock for tests: credential expiry without waiting for the wall clock."""

import asyncio
import time

from accounts.clock import Clock


class ManualClock(Clock):
    """Starts at the wall clock's time, then moves only when the test advances it."""

    def __init__(self):
        self.moment = time.time()
        self.sleepers: list[tuple[float, asyncio.Future]] = []

    def now(self) -> float:
        return self.moment

    async def sleep_until(self, moment: float) -> None:
        if moment <= self.moment:
            return
        woken = asyncio.get_running_loop().create_future()
        self.sleepers.append((moment, woken))
        await woken

    def advance(self, seconds: float) -> None:
        """Move on; whoever waits for a moment now past runs at the loop's next turn."""
        self.moment += seconds
        for moment, woken in self.sleepers:
            if moment <= self.moment and not woken.done():
                woken.set_result(None)
        self.sleepers = [(moment, woken) for moment, woken in self.sleepers if not woken.done()]
