"""Where attachment files live: the storage configured as STORAGES["attachments"].

The local media directory by default, an S3-compatible bucket when ATTACHMENTS_S3_BUCKET is
set (config/settings/base.py). Files are named by a random token, never by what the client
called them: a name that cannot be guessed, and no path the client chooses.
"""

import secrets

from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class AttachmentStorage(LazyObject):
    """STORAGES["attachments"], looked up when first used rather than when models load."""

    def _setup(self):
        self._wrapped = storages["attachments"]


storage = AttachmentStorage()


def attachment_storage():
    """The FileFields' storage (a callable, so that migrations do not record the backend)."""
    return storage


@receiver(setting_changed)
def forget_storage(setting: str, **kwargs) -> None:
    # As Django does for its default storage: a test that changes STORAGES gets the new one.
    if setting == "STORAGES":
        storage._wrapped = empty


def new_name(room_id: int, extension: str) -> str:
    return f"attachments/{room_id}/{secrets.token_urlsafe(24)}{extension}"


def serves_files_itself(backend) -> bool:
    """Local files are streamed by the download view; any other storage is redirected to, with
    a short-lived signed URL (S3's querystring auth), so that Django never proxies bucket files."""
    return isinstance(backend, FileSystemStorage)
