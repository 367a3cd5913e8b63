"""Fixtures shared by every app's tests: users, clients, sockets and real server processes."""

import asyncio
import functools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection, connections
from django.db.models.sql.compiler import SQLCompiler
from rest_framework.test import APIClient

# Fixtures that depend on the answers: how a test authenticates in this auth mode
# (ws_credentials, http_login...), the rooms this project has (room, make_room), and how
# two people start a conversation in the web client (start_conversation, peer_online).
pytest_plugins = [
    "accounts.tests.fixtures_{{ cookiecutter.auth }}",
    "chat.tests.fixtures_{{ 'direct' if cookiecutter.room_model == 'direct' else 'group' }}",
    "webclient.tests.fixtures_{{ 'direct' if cookiecutter.room_model == 'direct' else 'group' }}",
{%- if cookiecutter.channel_layer == "redis" %}
    # A redis-server of the test's own (private_redis), to take Redis away from the servers.
    "chat.tests.redis_server",
{%- endif %}
]

PASSWORD = "correct-horse-battery-staple"
ORIGIN = "http://testserver"


def _service_addresses() -> dict[str, tuple[str, int]]:
    """The network services these settings need, by name."""
    services = {}
    database = settings.DATABASES["default"]
    if database.get("HOST"):
        services["PostgreSQL"] = (database["HOST"], int(database.get("PORT") or 5432))
    for host in settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", []):
        url = urlsplit(host if isinstance(host, str) else host["address"])
        services["Redis"] = (url.hostname or "127.0.0.1", url.port or 6379)
    return services


def pytest_sessionstart(session):
    """Stop at once, saying what to start, when a service the settings name is down."""
    for name, (host, port) in _service_addresses().items():
        try:
            socket.create_connection((host, port), timeout=2).close()
        except OSError as error:
            pytest.exit(
                f"{name} is not reachable at {host}:{port} ({error}). These tests need it: "
                f"start it (README, 'Services'), e.g. `docker compose up -d "
                f"{'redis' if name == 'Redis' else 'db'}`, or point the settings elsewhere.",
                returncode=3,
            )


def pytest_collection_modifyitems(config, items):
    """Tests marked postgresql run only when the database is PostgreSQL (DATABASE_URL), tests
    marked sqlite only when it is SQLite."""
    engine = settings.DATABASES["default"]["ENGINE"]
    other = "sqlite" if engine.endswith("postgresql") else "postgresql"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases, dropped at the end of the run on PostgreSQL too.

    Async tests reach the database from asgiref's one executor thread (the async ORM,
    sync_to_async) and from the thread storing sends, and those threads' connections outlive
    them: PostgreSQL refuses to drop a database with a session open, so the test database
    would stay behind, with a warning. A coroutine run here, outside any test's loop, reaches
    asgiref's thread to close its connection.
    """
    from chat.realtime.send_batcher import STORING_THREAD

    yield
    asyncio.run(sync_to_async(connections.close_all)())
    STORING_THREAD.submit(connections.close_all).result()


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A new channel layer object per test.

    A layer keeps state tied to the event loop that used it (locks, receive buffers), and
    each async test runs its own loop: a layer shared between tests could carry a lock held
    by a finished test's loop into the next one.
    """
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def make_user(django_user_model):
    def make(username: str = "alice", **fields):
        return django_user_model.objects.create_user(
            username=username, email=f"{username}@example.com", password=PASSWORD, **fields
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture
def carol(make_user):
    """Belongs to no room of the fixtures: the outsider."""
    return make_user("carol")


@pytest.fixture
def compiled_models(monkeypatch) -> list:
    """The model of each query Django compiles to SQL from now on (clear() it to start again):
    a statement precompiled once (core/precompiled.py) is not among them."""
    compiled = []
    compile_query = SQLCompiler.as_sql

    def recording(compiler, *args, **kwargs):
        compiled.append(compiler.query.model)
        return compile_query(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", recording)
    return compiled


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def as_user(api_client):
    """as_user(user) -> the API client, authenticated as `user` from now on."""

    def authenticate(user):
        api_client.force_authenticate(user)
        return api_client

    return authenticate


@pytest.fixture
async def connect_socket():
    """Open ws/chat/ (or `path`) through the whole ASGI stack (Origin check, auth middleware,
    routing, consumer).

    Returns the communicator and, like `connect()`, whether it was accepted.
    """
    from config.asgi import application

    opened = []

    async def connect(
        headers=(), query: str = "", origin: str | None = ORIGIN, path: str = "/ws/chat/"
    ):
        all_headers = [(b"origin", origin.encode())] if origin else []
        all_headers += [(name.encode(), value.encode()) for name, value in headers]
        path += f"?{query}" if query else ""
        communicator = WebsocketCommunicator(application, path, headers=all_headers)
        connected, _ = await communicator.connect()
        if connected:
            opened.append(communicator)
        return communicator, connected

    yield connect
    for communicator in opened:
        await communicator.disconnect()


@pytest.fixture
async def open_socket(connect_socket, ws_credentials):
    """open_socket(user): a socket authenticated with a new credential, past its session.ready."""

    async def open_(user):
        communicator, connected = await connect_socket(await ws_credentials(user))
        assert connected
        assert (await communicator.receive_json_from())["type"] == "session.ready"
        return communicator

    return open_


def _database_url() -> str:
    """A URL for the database this test run uses, for server processes started by tests."""
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    port = database["PORT"] or 5432
    return f"postgres://{credentials}@{database['HOST']}:{port}/{database['NAME']}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerAddress(str):
    """A server process's `host:port`, which also holds the process (to kill it, say) and
    can stop it and start it again on the same port (a restart, as clients see one), and
    the path of its log."""

    def __new__(cls, address: str, process: subprocess.Popen, launch=None, log=None):
        instance = super().__new__(cls, address)
        instance.process = process
        instance._launch = launch
        instance.log = log
        return instance

    def stop(self) -> None:
        """Stop the process as a deployment would (SIGTERM), and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        """Stop the process if it still runs, then start a new one on the same port, with
        the same environment, and wait until it accepts connections."""
        self.stop()
        self.process = self._launch()


@pytest.fixture(scope="session")
def start_server(django_db_setup, tmp_path_factory):
    """Start a real server process (the production server command) on the test database;
    returns its `host:port` (a ServerAddress: `.process`, `.stop()`, `.restart()`).
    `start(env)` adds or overrides environment variables.

    Processes live until the end of the run; tests that use them need committed data,
    so they are marked `django_db(transaction=True)`.
    """
    processes = []
    logs = tmp_path_factory.mktemp("servers")

    def log_of(port: int) -> Path:
        return logs / f"server-{port}.log"

    def launch(port: int, environment: dict[str, str]) -> subprocess.Popen:
        log_path = log_of(port)
        # The production server as the README and the Dockerfile run it (config/serve.py).
        command = [sys.executable, "-m", "config.serve", "--host", "127.0.0.1"]
        with log_path.open("a") as log:
            process = subprocess.Popen(
                [*command, "--port", str(port)],
                cwd=settings.BASE_DIR,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return process
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server on port {port} did not start:\n{log_path.read_text()}")
                time.sleep(0.1)

    def start(env: dict[str, str] | None = None) -> ServerAddress:
        port = _free_port()
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            **(env or {}),
        }
        process = launch(port, environment)
        return ServerAddress(
            f"127.0.0.1:{port}", process, functools.partial(launch, port, environment), log_of(port)
        )

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server_host(start_server) -> str:
    """One real server process shared by the tests that need just one."""
    return start_server()


@pytest.fixture(scope="session")
def other_server_host(start_server) -> str:
    """A second one, shared by the tests that need two processes (with the Redis layer: what
    reaches one process reaches the other's sockets)."""
    return start_server()
