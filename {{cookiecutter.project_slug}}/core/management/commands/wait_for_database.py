import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = "Wait until the default database accepts connections (container start-up)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait at most")

    def handle(self, *args, timeout: float, **options):
        deadline = time.monotonic() + timeout
        connection = connections["default"]
        while True:
            try:
                connection.ensure_connection()
            except OperationalError as error:
                if time.monotonic() >= deadline:
                    raise CommandError(
                        f"database unreachable after {timeout:.0f}s: {error}"
                    ) from error
                self.stderr.write(f"waiting for the database: {error}".strip())
                time.sleep(1)
            else:
                self.stdout.write("database is ready")
                return
