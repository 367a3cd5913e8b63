"""The database drops the server's connection (a restart, a failover): the next send is stored
all the same, and nothing acknowledged is lost. PostgreSQL only (SQLite has no connection to
lose); the suite runs it when DATABASE_URL names PostgreSQL."""

import asyncio

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from chat.models import Message
from chat.realtime.send_batcher import STORING_THREAD
from chat.tests.frames import send_frame

# Not marked faults: it is quick, and the template's only PostgreSQL run leaves faults out.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """What a database restart does to one connection, from a connection of its own."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


async def test_a_send_after_the_database_dropped_the_connection_is_stored(open_socket, room, user):
    alice = await open_socket(user)
    await alice.send_json_to(send_frame(room, "before", "c-1"))
    assert (await alice.receive_json_from())["message"]["body"] == "before"
    stored_by = await asyncio.get_running_loop().run_in_executor(STORING_THREAD, backend_pid)
    await sync_to_async(terminate)(stored_by)
    await alice.send_json_to(send_frame(room, "after", "c-2"))
    answer = await alice.receive_json_from()
    assert (answer["type"], answer["message"]["body"]) == ("message.new", "after")
    stored = [body async for body in Message.objects.order_by("id").values_list("body", flat=True)]
    assert stored == ["before", "after"]
