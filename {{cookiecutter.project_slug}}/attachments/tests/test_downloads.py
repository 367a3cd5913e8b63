"""Downloading attachments: members of the room only, never from a guessable public URL."""

import importlib.util
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.config import Config
from django.core.files.storage.handler import StorageHandler
from rest_framework.test import APIClient

from attachments.models import Attachment

from .conftest import PDF

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def send_with(as_user, user, room, attachment) -> None:
    data = {"body": "see", "client_id": f"c-{attachment.pk}", "attachments": [attachment.pk]}
    assert (
        as_user(user).post(f"/api/rooms/{room.pk}/messages/", data, format="json").status_code
        == 201
    )


def test_members_download_a_sent_file_and_others_learn_nothing(
    as_user, uploaded, user, bob, carol, room
):
    attachment = uploaded(user, room, PDF, "report.pdf")
    send_with(as_user, user, room, attachment)
    response = as_user(bob).get(f"/api/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert body_of(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # Not a member: the same 404 as for an id that does not exist.
    for path in (f"/api/attachments/{attachment.pk}/", f"/api/attachments/{attachment.pk + 9}/"):
        response = as_user(carol).get(path)
        assert (response.status_code, response.data) == (404, {"detail": "No such attachment."})


def test_an_upload_not_yet_sent_is_its_uploaders_alone(as_user, uploaded, user, bob, room):
    attachment = uploaded(user, room)
    assert as_user(user).get(f"/api/attachments/{attachment.pk}/").status_code == 200
    assert as_user(bob).get(f"/api/attachments/{attachment.pk}/").status_code == 404


def test_an_image_is_shown_inline_and_has_a_thumbnail(as_user, uploaded, user, bob, room):
    attachment = uploaded(user, room)
    send_with(as_user, user, room, attachment)
    response = as_user(bob).get(f"/api/attachments/{attachment.pk}/")
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "image/png",
        'inline; filename="photo.png"',
    )
    thumbnail = as_user(bob).get(f"/api/attachments/{attachment.pk}/thumbnail/")
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/webp")
    assert body_of(thumbnail)[8:12] == b"WEBP"


def test_a_file_that_is_no_image_has_no_thumbnail(as_user, uploaded, user, room):
    attachment = uploaded(user, room, PDF, "a.pdf")
    assert as_user(user).get(f"/api/attachments/{attachment.pk}/thumbnail/").status_code == 404


@pytest.mark.parametrize("path", ["", "thumbnail/"], ids=["file", "thumbnail"])
def test_a_browsers_copy_is_asked_for_again_and_refused_once_the_message_is_deleted(
    as_user, uploaded, user, bob, room, path
):
    """Kept an hour without asking, a deleted message's file stayed readable on the browsers
    that had shown it."""
    attachment = uploaded(user, room)
    send_with(as_user, user, room, attachment)
    url = f"/api/attachments/{attachment.pk}/{path}"
    first = as_user(bob).get(url)
    assert (first.status_code, first["Cache-Control"]) == (200, "private, no-cache")
    again = as_user(bob).get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again.status_code, again["ETag"], again.content) == (304, first["ETag"], b"")
    message = Attachment.objects.get(pk=attachment.pk).message_id
    assert as_user(user).delete(f"/api/messages/{message}/").status_code in (200, 204)
    assert as_user(bob).get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404


def test_leaving_the_room_ends_access(as_user, uploaded, user, bob, room):
    attachment = uploaded(user, room)
    send_with(as_user, user, room, attachment)
    room.memberships.filter(user=bob).delete()
    assert as_user(bob).get(f"/api/attachments/{attachment.pk}/").status_code == 404


def test_anonymous_downloads_are_refused(uploaded, user, room):
    attachment = uploaded(user, room)
    assert APIClient().get(f"/api/attachments/{attachment.pk}/").status_code in (401, 403)


def test_with_s3_a_download_redirects_to_a_short_lived_signed_url(
    as_user, uploaded, user, bob, room, settings
):
    attachment = uploaded(user, room, PDF, "report.pdf")
    send_with(as_user, user, room, attachment)
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "chat-files",
                "endpoint_url": "http://127.0.0.1:9000",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "querystring_expire": 60,
                "signature_version": "s3v4",
            },
        },
    }
    # Signing needs no request to the bucket: nothing listens at that endpoint.
    response = as_user(bob).get(f"/api/attachments/{Attachment.objects.get().pk}/")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert location.path == f"/chat-files/{attachment.file.name}"
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"] == ['attachment; filename="report.pdf"']
    assert query["response-content-type"] == ["application/pdf"]


def test_an_upload_while_the_bucket_is_out_of_reach_is_a_503(upload, user, room, settings):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "chat-files",
                "endpoint_url": f"http://127.0.0.1:{closed.getsockname()[1]}",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "client_config": Config(retries={"max_attempts": 1}, connect_timeout=2),
            },
        },
    }
    with closed:
        response = upload(user, room, PDF, "report.pdf")
    assert (response.status_code, int(response["Retry-After"]) > 0) == (503, True)
    assert not Attachment.objects.exists()


def test_the_environment_chooses_s3_storage_as_the_readme_says(monkeypatch):
    monkeypatch.setenv("ATTACHMENTS_S3_BUCKET", "chat-files")
    monkeypatch.setenv("ATTACHMENTS_S3_ENDPOINT_URL", "https://s3.example.com")
    monkeypatch.setenv("ATTACHMENTS_S3_URL_SECONDS", "30")
    # The settings module run again, as a server would import it at start, in a namespace of its
    # own: the running settings are untouched.
    spec = importlib.util.find_spec("config.settings.base")
    configured = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(configured)
    # Avatars (the default storage) go to the bucket too: servers that share no disk all read them.
    for alias in ("attachments", "default"):
        storage = StorageHandler(configured.STORAGES)[alias]
        assert [
            storage.__class__.__name__,
            storage.bucket_name,
            storage.endpoint_url,
            storage.querystring_expire,
            storage.querystring_auth,
            storage.signature_version,
        ] == ["S3Storage", "chat-files", "https://s3.example.com", 30, True, "s3v4"], alias
