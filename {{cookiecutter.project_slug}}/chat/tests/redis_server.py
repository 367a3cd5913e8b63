"""A redis-server of a test's own (the private_redis fixture), for the tests that take Redis
away from the server processes: kill it and start it again, never the Redis the settings name,
which others share. A plugin of the root conftest, so that any app's tests can ask for it."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest


class PrivateRedis:
    """A redis-server of the test's own, on a free port, which the test may kill and restart."""

    def __init__(self, binary: str):
        # No persistence: a restart comes back empty, as a Redis without a volume does.
        self.command = [binary, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [*self.command, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30  # an upper bound only
        while not self.answers():
            assert self.process.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as client:
                client.sendall(b"PING\r\n")
                return client.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, killed at its end."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not on the PATH")
        pytest.skip("needs redis-server on the PATH")
    server = PrivateRedis(binary)
    server.start()
    try:
        yield server
    finally:
        server.kill()
