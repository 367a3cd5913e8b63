import pytest

from accounts.tests.clock import ManualClock
from chat.realtime.consumer import ChatConsumer


@pytest.fixture
def manual_clock(monkeypatch) -> ManualClock:
    """The clock sockets measure credential expiry by, moved by the test."""
    clock = ManualClock()
    monkeypatch.setattr(ChatConsumer, "clock", clock)
    return clock
