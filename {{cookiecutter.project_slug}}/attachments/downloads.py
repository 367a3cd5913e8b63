"""Who may download an attachment: a member of its room who may read its message, once it
was sent; before, its uploader."""

from django.db.models import Exists, OuterRef, Q

from chat.domain.errors import NotFound
from chat.domain.validation import clean_id
from chat.models import Membership

from .models import Attachment


def readable_attachment(user, attachment_id, thumbnail: bool = False) -> Attachment:
    """The attachment, or NotFound: whether it exists is not told to anyone else."""
    # A member whose history starts after the message (a newcomer to a room that hides its
    # history) may not read it, nor what it carries.
    reader = Membership.objects.filter(
        user=user, room_id=OuterRef("room_id"), history_from__lt=OuterRef("message_id")
    )
    found = Attachment.objects.filter(
        Q(Exists(reader), message__isnull=False) | Q(message__isnull=True, uploader=user),
        pk=clean_id(attachment_id, "attachment"),
    ).first()
    if found is None or (thumbnail and not found.thumbnail):
        raise NotFound("No such attachment.")
    return found
