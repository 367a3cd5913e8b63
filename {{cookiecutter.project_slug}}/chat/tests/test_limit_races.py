"""Per-user bounds hold when two changes race: the second waits for the first and counts what
it added. PostgreSQL only (SQLite runs one writing transaction at a time); the suite runs them
when DATABASE_URL names PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from chat.domain.errors import Forbidden, Invalid
from chat.domain.memberships import add_member
from chat.domain.reactions import add_reaction
from chat.models import Membership, Message, Reaction

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def waiting_on_a_lock() -> int:
    """How many other sessions of this database wait for a row lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def race(first, second, refused: type[Exception]) -> tuple[str, str]:
    """Run `first` in a transaction held open until `second`, started meanwhile, is seen
    waiting on a row lock; then let both finish. Each gives "done", or "refused" when it
    raised `refused`."""
    first_done, finish_first = threading.Event(), threading.Event()

    def run(change, hold: bool) -> str:
        try:
            with transaction.atomic():
                change()
                if hold:  # uncommitted until the test lets it go
                    first_done.set()
                    assert finish_first.wait(30)
            return "done"
        except refused:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        holding = pool.submit(run, first, True)
        try:
            assert first_done.wait(30)
            racing = pool.submit(run, second, False)
            # Without the lock, the second would count what is committed (not the first's
            # change), pass the bound and finish meanwhile.
            while not racing.done() and waiting_on_a_lock() == 0:
                pass
            assert not racing.done(), racing.result()
        finally:
            finish_first.set()
        return holding.result(30), racing.result(30)


def test_two_joins_at_once_cannot_both_take_a_users_last_room(
    make_room, user, bob, carol, make_user, settings
):
    first, second = make_room(user, bob), make_room(bob, make_user("dave"))
    settings.CHAT_MAX_ROOMS_PER_USER = 1
    outcomes = race(lambda: add_member(first, carol), lambda: add_member(second, carol), Forbidden)
    assert outcomes == ("done", "refused")
    assert Membership.objects.filter(user=carol).count() == 1


def test_two_tabs_at_once_cannot_both_add_a_users_last_emoji(room, user, bob, settings):
    settings.CHAT_MAX_REACTIONS_PER_USER = 1
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    outcomes = race(
        lambda: add_reaction(user, message.pk, "🎉"),
        lambda: add_reaction(user, message.pk, "👍"),
        Invalid,
    )
    assert outcomes == ("done", "refused")
    assert list(Reaction.objects.filter(user=user).values_list("emoji", flat=True)) == ["🎉"]
