"""Django's requests run on threads that are kept (core/request_threads.py, config/asgi.py),
each keeping its database connection."""

import asyncio
import threading

import pytest
from channels.testing import HttpCommunicator
from django.core.signals import request_started
from django.db import connections
from django.db.backends.signals import connection_created

from config.asgi import application, django_asgi_app
from core.request_threads import RequestThreads

pytestmark = pytest.mark.django_db
HOST = [(b"host", b"testserver")]


async def idle_again(threads: RequestThreads, count: int) -> None:
    """Until `count` executors are idle: a request's executor returns once its thread is done."""
    for _ in range(1000):
        if len(threads.idle) >= count:
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"{len(threads.idle)} idle executors, not {count}")


async def health_checks(times: int) -> None:
    """GET /healthz/ (which queries the database) one request after another."""
    for _ in range(times):
        health = HttpCommunicator(application, "GET", "/healthz/", headers=HOST)
        response = await health.get_response()
        assert response["status"] == 200
        await idle_again(django_asgi_app.threads, 1)


async def close_idle_connections() -> None:
    """The kept threads' connections, closed: the test database must be droppable."""
    for executor in django_asgi_app.threads.idle:
        await asyncio.wrap_future(executor.submit(connections.close_all))


@pytest.fixture
def thread_names():
    names = []

    def record(**_):
        names.append(threading.current_thread().name)

    request_started.connect(record)
    yield names
    request_started.disconnect(record)


async def test_requests_one_after_another_run_on_one_kept_thread(thread_names):
    await health_checks(5)
    assert len(thread_names) == 5
    assert len(set(thread_names)) == 1
    assert thread_names[0].startswith("request")


async def test_a_kept_thread_keeps_its_database_connection(monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    opened = []

    def record(connection, **_):
        opened.append(threading.current_thread().name)

    connection_created.connect(record)
    try:
        await health_checks(5)
    finally:
        connection_created.disconnect(record)
        await close_idle_connections()
    assert len(opened) == 1


async def test_threads_beyond_those_kept_end_with_their_connections_closed(monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "CONN_MAX_AGE", 60)
    threads = RequestThreads(keep=1, limit=2)
    first, second = await threads.borrow(), await threads.borrow()
    assert first is not second

    def connect():
        connection = connections["default"]
        connection.ensure_connection()
        return connection

    wrappers = [await asyncio.wrap_future(executor.submit(connect)) for executor in (first, second)]
    # Each awaited until its return has run: the first is kept, the second is one too many.
    await asyncio.wrap_future(threads.give_back(first))
    await asyncio.wrap_future(threads.give_back(second))
    assert threads.idle == [first]
    await asyncio.to_thread(second.shutdown, wait=True)  # its thread, ended
    assert wrappers[1].connection is None
    assert wrappers[0].connection is not None
    await asyncio.wrap_future(first.submit(connections.close_all))
    first.shutdown(wait=False)


async def test_a_thread_is_kept_without_a_connection_its_request_left_open():
    """A request that ended without Django's request_finished (its task cancelled, say)
    leaves no connection to the next one past CONN_MAX_AGE (0 in these tests)."""
    threads = RequestThreads(keep=1, limit=1)
    executor = await threads.borrow()

    def connect():
        connection = connections["default"]
        connection.ensure_connection()
        return connection

    left_open = await asyncio.wrap_future(executor.submit(connect))
    assert left_open.connection is not None
    await asyncio.wrap_future(threads.give_back(executor))
    assert threads.idle == [executor]
    assert left_open.connection is None
    executor.shutdown(wait=False)


async def test_past_the_limit_a_request_waits_for_a_thread_to_come_back():
    """However many clients ask at once, no more threads (and database connections) than the
    limit: the others wait, first come first served; one that gives up is skipped."""
    threads = RequestThreads(keep=1, limit=1)
    executor = await threads.borrow()
    gave_up = asyncio.create_task(threads.borrow())
    waits = asyncio.create_task(threads.borrow())
    for _ in range(3):
        await asyncio.sleep(0)
    assert not gave_up.done() and not waits.done()
    gave_up.cancel()
    await asyncio.wrap_future(threads.give_back(executor))
    assert await waits is executor
    assert gave_up.cancelled()
    assert (threads.started, threads.idle) == (1, [])
    await asyncio.wrap_future(threads.give_back(executor))
    assert threads.idle == [executor]
    executor.shutdown(wait=False)
