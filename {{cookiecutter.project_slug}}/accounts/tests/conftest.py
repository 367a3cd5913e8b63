import pytest

from accounts.tests.clock import ManualClock
from chat.consumers import ChatConsumer


@pytest.fixture
def manual_clock(monkeypatch) -> ManualClock:
    """The clock sockets measure credential expiry by, moved by the test."""
    clock = ManualClock()
    monkeypatch.setattr(ChatConsumer, "clock", clock)
    return clock


@pytest.fixture
async def open_socket(connect_socket, ws_credentials):
    """open_socket(user): a socket authenticated with a new credential, past its session.ready."""

    async def open_(user):
        communicator, connected = await connect_socket(await ws_credentials(user))
        assert connected
        assert (await communicator.receive_json_from())["type"] == "session.ready"
        return communicator

    return open_
