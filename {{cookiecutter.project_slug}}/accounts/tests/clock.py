"""A clock for tests: credential expiry without waiting for the wall clock."""

import asyncio
import time

from accounts.clock import Clock


class ManualClock(Clock):
    """Starts at the given moment (the wall clock's time by default), then moves only when the
    test advances it. `now` is also a clock for code handed a plain `() -> float` (RateLimiter)."""

    def __init__(self, moment: float | None = None):
        self.moment = time.time() if moment is None else moment
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
