"""Every REST throttle counts in one atomic step per request, over a sliding window: requests
sent at once cannot overshoot a limit, and a client's budget comes back as time passes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache.backends.locmem import LocMemCache

from accounts.tests.clock import ManualClock
from accounts.tests.throttling import use_production_throttle_rates
from accounts.throttles import COUNTS_WHILE_THE_CACHE_FAILS, WriteRateThrottle
from core.outages import OUTAGES, REDIS_OUTAGES

LIMIT = 10


@pytest.fixture
def writes(settings, rf, django_user_model):
    """A signed-in user's write request, throttled at LIMIT a minute in a fresh cache."""
    use_production_throttle_rates(settings, writes=f"{LIMIT}/minute")
    request = rf.post("/api/rooms/")
    request.user = django_user_model(pk=7, username="writer")
    return request


def throttle_at(clock: ManualClock) -> WriteRateThrottle:
    throttle = WriteRateThrottle()
    throttle.timer = clock.now
    return throttle


def test_requests_sent_at_once_cannot_overshoot_the_limit(writes, monkeypatch):
    # A loaded server: every read of the cache is slow to return, so that requests handled
    # at once would all read the same count before any of them wrote theirs back.
    # (Each thread has a cache object of its own, over the one store: slow down them all.)
    read = LocMemCache.get

    def slow_read(*args, **kwargs):
        value = read(*args, **kwargs)
        time.sleep(0.01)  # before the caller can act on what it read
        return value

    monkeypatch.setattr(LocMemCache, "get", slow_read)
    at_once = threading.Barrier(3 * LIMIT)

    def attempt(_) -> bool:
        throttle = WriteRateThrottle()
        at_once.wait()
        return throttle.allow_request(writes, None)

    with ThreadPoolExecutor(3 * LIMIT) as threads:
        allowed = list(threads.map(attempt, range(3 * LIMIT)))
    assert allowed.count(True) == LIMIT


def test_the_budget_comes_back_as_the_last_minutes_requests_slide_out_of_it(writes):
    clock = ManualClock(600.0)  # the start of a window of 60 s
    assert all(throttle_at(clock).allow_request(writes, None) for _ in range(LIMIT))
    refused = throttle_at(clock)
    assert not refused.allow_request(writes, None)
    assert 60 <= refused.wait() <= 60 + 60 / LIMIT

    # Half a minute later, in the next window, the ten still count for half.
    clock.advance(90)
    allowed = [throttle_at(clock).allow_request(writes, None) for _ in range(LIMIT)]
    assert allowed == [True] * (LIMIT // 2) + [False] * (LIMIT - LIMIT // 2)
    # Refused requests took no place: the next comes when one more of the old ten is out.
    waiting = throttle_at(clock)
    assert not waiting.allow_request(writes, None)
    clock.advance(waiting.wait())
    assert throttle_at(clock).allow_request(writes, None)


def test_a_quiet_minute_gives_the_whole_budget_back(writes):
    clock = ManualClock(600.0)
    assert all(throttle_at(clock).allow_request(writes, None) for _ in range(LIMIT))
    clock.advance(2 * 60)
    assert all(throttle_at(clock).allow_request(writes, None) for _ in range(LIMIT))
    assert not throttle_at(clock).allow_request(writes, None)


def test_with_the_cache_out_of_reach_the_process_counts_on_its_own(writes):
    """A logout or a send still goes through while Redis is down, and the limit still holds."""

    class OutOfReach:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                unreachable = (REDIS_OUTAGES or OUTAGES)[0]  # the cache is Redis, if any
                raise unreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

            return fail

    COUNTS_WHILE_THE_CACHE_FAILS.clear()
    clock = ManualClock(600.0)

    def throttle() -> WriteRateThrottle:
        counting = throttle_at(clock)
        counting.cache = OutOfReach()
        return counting

    assert all(throttle().allow_request(writes, None) for _ in range(LIMIT))
    assert not throttle().allow_request(writes, None)


def test_a_count_evicted_between_its_two_steps_is_made_again_not_a_500(writes):
    """A cache under memory pressure, or a Redis restarted, may lose the window's count between
    making it and counting in it."""

    class EvictsTheFirstCount(LocMemCache):
        evicted = False

        def incr(self, key, delta=1, version=None):
            if not self.evicted:
                self.evicted = True
                self.delete(key, version=version)
            return super().incr(key, delta, version)

    counts = EvictsTheFirstCount("evicts-the-first-count", {})
    clock = ManualClock(600.0)

    def throttle() -> WriteRateThrottle:
        counting = throttle_at(clock)
        counting.cache = counts
        return counting

    assert all(throttle().allow_request(writes, None) for _ in range(LIMIT))
    assert counts.evicted
    assert not throttle().allow_request(writes, None)
