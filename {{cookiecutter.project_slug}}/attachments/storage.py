"""Where attachment files live: the storage configured as STORAGES["attachments"].

The local media directory by default, an S3-compatible bucket when ATTACHMENTS_S3_BUCKET is
set (config/settings/base.py). Files are named by a random token, never by what the client
called them: a name that cannot be guessed, and no path the client chooses.
"""

import secrets

from django.core.files.storage import FileSystemStorage, storages


def attachment_storage():
    """The FileField's storage, looked up when used: settings (and tests) may change it."""
    return storages["attachments"]


def new_name(room_id: int, extension: str) -> str:
    return f"attachments/{room_id}/{secrets.token_urlsafe(24)}{extension}"


def serves_files_itself(storage) -> bool:
    """Local files are streamed by the download view; any other storage is redirected to, with
    a short-lived signed URL (S3's querystring auth), so that Django never proxies bucket files."""
    return isinstance(storage, FileSystemStorage)
