"""The bound on a user's rooms holds when two joins race: the second waits for the first and
counts its room. PostgreSQL only (SQLite runs one writing transaction at a time); the suite
runs it when DATABASE_URL names PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from chat.domain.errors import Forbidden
from chat.domain.memberships import add_member
from chat.models import Membership

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def waiting_on_a_lock() -> int:
    """How many other sessions of this database wait for a row lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_two_joins_at_once_cannot_both_take_a_users_last_room(
    make_room, user, bob, carol, make_user, settings
):
    first, second = make_room(user, bob), make_room(bob, make_user("dave"))
    settings.CHAT_MAX_ROOMS_PER_USER = 1
    first_added, finish_first = threading.Event(), threading.Event()

    def join(room, hold: bool):
        try:
            with transaction.atomic():
                add_member(room, carol)
                if hold:  # uncommitted until the test lets it go
                    first_added.set()
                    assert finish_first.wait(30)
            return "joined"
        except Forbidden:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        holding = pool.submit(join, first, True)
        try:
            assert first_added.wait(30)
            racing = pool.submit(join, second, False)
            # The second join waits for the first one's lock on carol; without it, it would
            # count her rooms (none committed yet), join and finish meanwhile.
            while not racing.done() and waiting_on_a_lock() == 0:
                pass
            assert not racing.done(), racing.result()
        finally:
            finish_first.set()
        assert (holding.result(30), racing.result(30)) == ("joined", "refused")
    assert Membership.objects.filter(user=carol).count() == 1
