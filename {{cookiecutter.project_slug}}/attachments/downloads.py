"""Who may download an attachment: a member of its room, once it was sent; before, its uploader."""

from django.db.models import Q

from chat.domain.errors import NotFound
from chat.domain.validation import clean_id
from chat.models import Membership

from .models import Attachment


def readable_attachment(user, attachment_id, thumbnail: bool = False) -> Attachment:
    """The attachment, or NotFound: whether it exists is not told to anyone else."""
    members = Membership.objects.filter(user=user).values("room_id")
    found = Attachment.objects.filter(
        Q(message__isnull=False, room_id__in=members) | Q(message__isnull=True, uploader=user),
        pk=clean_id(attachment_id, "attachment"),
    ).first()
    if found is None or (thumbnail and not found.thumbnail):
        raise NotFound("No such attachment.")
    return found
