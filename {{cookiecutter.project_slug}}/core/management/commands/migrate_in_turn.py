"""migrate, one process at a time: the replicas that start together (compose's, an
orchestrator's) each run the entrypoint's migrate, and on PostgreSQL two at once failed on a
duplicate row of its catalogue, which stopped one replica. A session-level advisory lock makes
each wait for the one before, then find what is left to apply."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

# The lock's key: any number the project's other advisory locks do not use ("migr" in ASCII).
MIGRATION_LOCK = 0x6D696772


class Command(BaseCommand):
    help = "Apply migrations, after any other process applying them (PostgreSQL) is done."

    def handle(self, *args, **options):
        migrate = {"interactive": False, "verbosity": options["verbosity"]}
        if connection.vendor != "postgresql":
            call_command("migrate", **migrate)  # SQLite: one writer at a time already
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            call_command("migrate", **migrate)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
