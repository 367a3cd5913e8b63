"""Django's database sessions, their expired rows cleared in one statement (`clearsessions`).

Session mode closes a session's sockets when its row is deleted (accounts/auth_session.py), and
with a receiver of post_delete the ORM deletes row by row: `clearsessions` loaded every expired
session and sent a signal for each, millions on a busy site. An expired session's sockets
closed as it expired, its expiry being theirs: there is nothing left to close.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    @classmethod
    def clear_expired(cls) -> None:
        model = cls.get_model_class()
        connection = connections[router.db_for_write(model)]
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.get_field("expire_date").column)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {column} < %s", [timezone.now()])
