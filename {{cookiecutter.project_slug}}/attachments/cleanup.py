"""Files leave storage when their attachment's row leaves the database, once that has committed.

A row can go many ways: its message deleted (attachments/linking.py), its message's room
deleted (a cascade), the orphan clean-up (below), the admin. The post_delete signal sees
them all; the files go after the commit, so that a rolled-back deletion keeps them.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models.signals import post_delete
from django.utils import timezone

from .models import Attachment

logger = logging.getLogger(__name__)

# Rows deleted per statement by the clean-up: a bounded transaction, however many orphans.
ORPHAN_BATCH = 500


def connect_signals() -> None:
    post_delete.connect(delete_files_on_commit, sender=Attachment, dispatch_uid="attachment-files")


def delete_files_on_commit(sender, instance: Attachment, using: str, **kwargs) -> None:
    files = [(field.storage, field.name) for field in (instance.file, instance.thumbnail)]
    transaction.on_commit(lambda: delete_stored([f for f in files if f[1]]), using=using)


def delete_files(attachment: Attachment) -> None:
    """An attachment's files, now: for one whose row was never saved."""
    delete_stored(
        [(field.storage, field.name) for field in (attachment.file, attachment.thumbnail)]
    )


def delete_stored(files: list) -> None:
    for storage, name in files:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:
            # The row is gone already: a storage outage leaves a file nothing points to, which
            # is logged for an operator; it must not fail the request whose deletion committed.
            logger.exception("could not delete the attachment file %s", name)


def delete_orphans(older_than: timedelta) -> int:
    """Delete the uploads never sent with a message, uploaded more than `older_than` ago."""
    cutoff = timezone.now() - older_than
    unsent = Attachment.objects.filter(message__isnull=True, created__lt=cutoff)
    deleted = 0
    while ids := list(unsent.order_by("created").values_list("pk", flat=True)[:ORPHAN_BATCH]):
        with transaction.atomic():
            # Claimed by a send meanwhile: no longer an orphan, and kept.
            deleted += Attachment.objects.filter(pk__in=ids, message__isnull=True).delete()[0]
    return deleted
