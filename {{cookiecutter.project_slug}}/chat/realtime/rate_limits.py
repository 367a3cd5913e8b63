"""Per-user rate limits on socket frames, shared by every process of the server.

A limit allows a number of frames per window of seconds (`"30/10"`: 30 frames in each 10-second
window, windows aligned on the clock so that every process agrees on them: a burst across two
windows may reach twice the number). The count lives in
the cache, which every process shares on the Redis layer. Asking Redis for every frame would put
a round trip on the send path, so a process takes a lease of several frames at once from the
user's window and spends it locally: Redis is asked about once per LEASE_SHARE of a limit. With
the in-memory layer the cache is this process's memory, asked directly.

While the shared cache is unreachable (Redis down), each process counts in its own memory: the
limits hold per process, and no frame fails because Redis does.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache as memoized

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured

from .per_loop import per_loop

logger = logging.getLogger(__name__)

# A lease is this share of a limit's frames (at least one): small enough that processes
# sharing a user's window cannot overshoot it by much, large enough to spare Redis.
LEASE_SHARE = 10
# Past this many users' leases, the ones of windows gone by are dropped.
MAX_LEASES = 10_000


@dataclass(frozen=True)
class Limit:
    name: str
    frames: int
    seconds: float

    @property
    def lease(self) -> int:
        return max(1, self.frames // LEASE_SHARE)


@memoized
def parse_limit(name: str, text: str) -> Limit:
    """`"<frames>/<seconds>"`, as the settings give it; ValueError if it is not that."""
    frames, _, seconds = text.partition("/")
    try:
        limit = Limit(name, int(frames), float(seconds))
    except ValueError:
        limit = None
    if limit is None or limit.frames < 1 or not 0 < limit.seconds < float("inf"):
        raise ValueError(f"{name} rate limit {text!r}: expected '<frames>/<seconds>', both > 0")
    return limit


def configured_limit(name: str, setting: str) -> Limit:
    """The limit a setting gives; ImproperlyConfigured naming it if it is malformed."""
    text = getattr(settings, setting)
    try:
        return parse_limit(name, text)
    except ValueError:
        raise ImproperlyConfigured(
            f"{setting}={text!r}: expected '<frames>/<seconds>', both above 0, e.g. 30/10"
        ) from None


def message_limit() -> Limit:
    return configured_limit("messages", "CHAT_RATE_LIMIT_MESSAGES")


def frame_limit() -> Limit:
    return configured_limit("frames", "CHAT_RATE_LIMIT_FRAMES")


def characters_limit() -> Limit:
    return configured_limit("characters", "CHAT_RATE_LIMIT_CHARACTERS")


@dataclass
class Lease:
    window: int
    seconds: float
    remaining: int = 0


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.time):
        # Wall-clock time: every process must agree on where a window starts.
        self.clock = clock
        self.leases: dict[tuple[str, int], Lease] = {}
        # Counts while the shared cache fails; whether it is failing, to log once per outage.
        self.local_counts = LocMemCache("rate-limits-while-the-cache-fails", {})
        self.shared_failing = False
        # (window, characters) read of each user's frames in this process.
        self.read: dict[int, tuple[int, int]] = {}

    async def retry_after(self, limit: Limit, user_id: int) -> float | None:
        """None if the user may send one more frame now (it is counted); else the seconds
        until the user's next window, when they may."""
        now = self.clock()
        window = int(now // limit.seconds)
        lease = self.leases.get((limit.name, user_id))
        if lease is None or lease.window != window:
            lease = self.new_lease(limit, user_id, window)
        if lease.remaining == 0:
            lease.remaining = await self.take_from_window(limit, user_id, window)
            if lease.remaining == 0:
                return round((window + 1) * limit.seconds - now, 3)
        lease.remaining -= 1
        return None

    def unread_retry_after(self, limit: Limit, user_id: int, characters: int) -> float | None:
        """None if this process may read a frame of that many characters from the user now (they
        are counted); else the seconds until the user's next window. Counted per process, not
        shared: what it bounds is the process's work, and no round trip comes before reading."""
        now = self.clock()
        window = int(now // limit.seconds)
        read_window, read = self.read.get(user_id, (window, 0))
        if read_window != window:
            read = 0
        if read + characters > limit.frames:
            return round((window + 1) * limit.seconds - now, 3)
        if len(self.read) >= MAX_LEASES and user_id not in self.read:
            self.read = {user: count for user, count in self.read.items() if count[0] == window}
        self.read[user_id] = (window, read + characters)
        return None

    def new_lease(self, limit: Limit, user_id: int, window: int) -> Lease:
        if len(self.leases) >= MAX_LEASES:
            now = self.clock()
            self.leases = {
                key: lease
                for key, lease in self.leases.items()
                if lease.window == int(now // lease.seconds)
            }
        lease = self.leases[(limit.name, user_id)] = Lease(window, limit.seconds)
        return lease

    async def take_from_window(self, limit: Limit, user_id: int, window: int) -> int:
        """Up to a lease of frames from the user's window in the shared count: how many it got."""
        shared = caches["default"]
        if isinstance(shared, LocMemCache):
            return count_in_window(shared, limit, user_id, window)
        try:
            taken = await asyncio.to_thread(count_in_window, shared, limit, user_id, window)
        except Exception:
            if not self.shared_failing:
                logger.warning("rate limits: shared cache unreachable, counting per process")
                self.shared_failing = True
            return count_in_window(self.local_counts, limit, user_id, window)
        self.shared_failing = False
        return taken


def count_in_window(counts, limit: Limit, user_id: int, window: int) -> int:
    key = f"rate:{limit.name}:{user_id}:{window}"
    counts.add(key, 0, timeout=int(limit.seconds) + 1)
    used = counts.incr(key, limit.lease)
    return max(0, min(limit.lease, limit.frames - (used - limit.lease)))


# One limiter per event loop, like the hub: a server process has one loop.
get_rate_limiter = per_loop(RateLimiter)
