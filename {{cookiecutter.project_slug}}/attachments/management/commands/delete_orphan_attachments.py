from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from attachments.cleanup import delete_orphans


class Command(BaseCommand):
    help = (
        "Delete uploaded attachments never sent with a message, and their files "
        "(run it from cron or a scheduler, hourly say)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=settings.ATTACHMENTS_ORPHAN_HOURS,
            help="only uploads at least this old (ATTACHMENTS_ORPHAN_HOURS by default)",
        )

    def handle(self, *args, older_than_hours: float, **options):
        deleted = delete_orphans(timedelta(hours=older_than_hours))
        self.stdout.write(f"deleted {deleted} unsent attachment(s)")
