"""Two changes raced on PostgreSQL: the first held uncommitted until the second waits on its
row lock (SQLite runs one writing transaction at a time)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction


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
