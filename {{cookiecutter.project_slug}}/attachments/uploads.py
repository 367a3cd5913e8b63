"""Uploading a file to a room: checked (membership, size, type) before anything is stored."""

import os

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.text import get_valid_filename

from chat.domain.access import sender_membership
from chat.domain.errors import Invalid
from core.image_decoding import TOO_MANY_SCANS, TooManyScans
from users.locking import lock_users

from .cleanup import delete_files
from .content import EXTENSIONS, NAME_EXTENSIONS, TooManyFrames, TooManyPixels, detect_type
from .images import ProcessedImage, process_image
from .models import Attachment
from .storage import new_name


def upload_attachment(user, room_id, file) -> Attachment:
    """Store `file` (an UploadedFile) as the user's unsent attachment in a room of theirs.

    Refused, with nothing stored: not a member (NotFound or Forbidden, as for sends), no file,
    a file over ATTACHMENTS_MAX_BYTES (as sent, or as re-encoded for an image) or past the
    user's ATTACHMENTS_MAX_UNSENT_BYTES, a content type not in ATTACHMENTS_ALLOWED_TYPES, an
    image that does not decode or is over ATTACHMENTS_MAX_PIXELS or ATTACHMENTS_MAX_FRAMES.
    """
    # Uploads are for sending: refused where the user may not send (blocked in a 1-to-1).
    sender_membership(user, room_id)
    if file is None:
        raise Invalid('Send the file as multipart/form-data, in the field "file".', "file")
    limit = settings.ATTACHMENTS_MAX_BYTES
    if file.size > limit:
        raise Invalid(f"The file is over the limit of {limit} bytes.", "file")
    if file.size == 0:
        raise Invalid("The file is empty.", "file")
    # Before the work of reading the file: a user past a quota costs nothing more.
    check_quotas(user, file.size)
    try:
        content_type, image = checked_content(file)
    except TooManyPixels:
        limit = settings.ATTACHMENTS_MAX_PIXELS
        raise Invalid(
            f"The image has more than {limit} pixels (an animation's frames count together).",
            "file",
        ) from None
    except TooManyFrames:
        limit = settings.ATTACHMENTS_MAX_FRAMES
        raise Invalid(f"The animation has more than {limit} frames.", "file") from None
    except TooManyScans:
        raise Invalid(TOO_MANY_SCANS, "file") from None
    except (OSError, ValueError, SyntaxError):
        # Pillow's errors for a file that starts as an image and is not one.
        raise Invalid("The image cannot be read.", "file") from None
    attachment = Attachment(
        room_id=room_id,
        uploader=user,
        name=name_for_type(safe_name(file.name), content_type),
        content_type=content_type,
        size=file.size,
    )
    try:
        store_files(attachment, file, image)
        with transaction.atomic():
            # Counted again under the user's row lock: uploads sent at once each passed the
            # check above before any of them was stored (24 at once held 153 MB unsent).
            lock_users([user.pk])
            check_quotas(user, attachment.size)
            attachment.save()
    except BaseException:
        # The row is not there: neither must any of its files be.
        delete_files(attachment)
        raise
    return attachment


def check_quotas(user, size: int) -> None:
    """Refuse `size` more bytes past the user's quotas: unsent, and in all."""
    held = Attachment.objects.filter(uploader=user).aggregate(
        total=Sum("size", default=0),
        unsent=Sum("size", filter=Q(message__isnull=True), default=0),
    )
    quota = settings.ATTACHMENTS_MAX_UNSENT_BYTES
    if held["unsent"] + size > quota:
        raise Invalid(
            f"Your files not yet sent would pass {quota} bytes: send them with a message first.",
            "file",
        )
    quota = settings.ATTACHMENTS_MAX_BYTES_PER_USER
    if held["total"] + size > quota:
        raise Invalid(
            f"Your files would pass {quota} bytes in all: delete messages with files to make room.",
            "file",
        )


def checked_content(file) -> tuple[str, ProcessedImage | None]:
    """The file's type, if allowed, and for an image the image made safe to serve."""
    content_type = detect_type(file)
    if content_type not in settings.ATTACHMENTS_ALLOWED_TYPES:
        allowed = ", ".join(settings.ATTACHMENTS_ALLOWED_TYPES)
        raise Invalid(f"This type of file is not allowed (allowed: {allowed}).", "file")
    if not content_type.startswith("image/"):
        return content_type, None
    image = process_image(file, content_type)
    # Encoded again, an image can come out larger than it was sent (an animation's frames most).
    limit = settings.ATTACHMENTS_MAX_BYTES
    if len(image.content) > limit:
        raise Invalid(
            f"Stored without its metadata, the image comes to {len(image.content)} bytes, over "
            f"the limit of {limit} bytes.",
            "file",
        )
    return content_type, image


def store_files(attachment: Attachment, file, image: ProcessedImage | None) -> None:
    """The files, before the row that points to them."""
    name = new_name(attachment.room_id, EXTENSIONS[attachment.content_type])
    if image is None:
        attachment.file.save(name, file, save=False)
    else:
        attachment.width, attachment.height = image.width, image.height
        attachment.size = len(image.content)
        attachment.file.save(name, ContentFile(image.content), save=False)
        thumbnail = f"{os.path.splitext(attachment.file.name)[0]}-thumbnail.webp"
        attachment.thumbnail.save(thumbnail, ContentFile(image.thumbnail), save=False)


def name_for_type(name: str, content_type: str) -> str:
    """The name, ending with an extension of the type its content was found to be: a download
    is saved, and opened, as what it is ("invoice.html" of plain text: "invoice.html.txt")."""
    if name.lower().endswith(NAME_EXTENSIONS[content_type]):
        return name
    stem, extension = os.path.splitext(name)
    added = EXTENSIONS[content_type]
    return stem[: 255 - len(extension) - len(added)] + extension + added


def safe_name(name: str | None) -> str:
    """The client's file name without a path or characters that trouble a download's header."""
    base = os.path.basename((name or "").replace("\\", "/"))
    try:
        cleaned = get_valid_filename(base)
    except SuspiciousFileOperation:  # nothing usable was left ("", "..")
        cleaned = "file"
    stem, extension = os.path.splitext(cleaned)
    return stem[: 255 - len(extension[:20])] + extension[:20]
