"""`manage.py delete_orphan_attachments`: uploads never sent go, with their files."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from attachments.models import Attachment

from .conftest import stored_files

pytestmark = pytest.mark.django_db


def test_old_unsent_uploads_are_deleted_with_their_files(
    as_user, uploaded, user, room, media, settings, capsys, django_capture_on_commit_callbacks
):
    old, recent, sent = uploaded(user, room), uploaded(user, room), uploaded(user, room)
    data = {"body": "x", "client_id": "c-1", "attachments": [sent.pk]}
    assert (
        as_user(user).post(f"/api/rooms/{room.pk}/messages/", data, format="json").status_code
        == 201
    )
    hours = settings.ATTACHMENTS_ORPHAN_HOURS
    long_ago = timezone.now() - timedelta(hours=hours, minutes=1)
    Attachment.objects.filter(pk__in=[old.pk, sent.pk]).update(created=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_orphan_attachments")
    assert "deleted 1 unsent attachment(s)" in capsys.readouterr().out
    assert set(Attachment.objects.all()) == {recent, sent}
    kept = [name for a in (recent, sent) for name in (a.file.name, a.thumbnail.name)]
    assert stored_files(media) == sorted(kept)


def test_the_age_is_an_option(uploaded, user, room, media, django_capture_on_commit_callbacks):
    uploaded(user, room)
    Attachment.objects.update(created=timezone.now() - timedelta(minutes=90))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_orphan_attachments", "--older-than-hours", "2")
    assert Attachment.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        call_command("delete_orphan_attachments", "--older-than-hours", "1")
    assert (Attachment.objects.count(), stored_files(media)) == (0, [])
