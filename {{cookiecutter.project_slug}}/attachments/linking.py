"""Attachments and messages: a send claims its uploads, a message shows them, a deletion takes them.

chat/domain/sending.py calls clean_ids() for each send and claim() for each new message that
has attachments; a send without any costs nothing here. Messages carry their attachments in
`attachment_list`: set by claim() for a new message, by with_attachments() or attach_to_page()
for a page of them.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse

from chat.domain.errors import Invalid
from chat.domain.validation import clean_id
from core.precompiled import Precompiled

from .models import Attachment


class AttachmentsRefused(Invalid):
    """A send named an attachment that is not the sender's unsent upload to that room."""


def clean_ids(value) -> tuple[int, ...]:
    """A send's `attachments`, as the client gave them: a list of distinct ids, or nothing."""
    if value is None:
        return ()
    limit = settings.ATTACHMENTS_MAX_PER_MESSAGE
    if not isinstance(value, list):
        raise Invalid("attachments must be a list of attachment ids.", "attachments")
    if len(value) > limit:
        raise Invalid(f"A message carries at most {limit} attachments.", "attachments")
    ids = tuple(clean_id(item, "attachments") for item in value)
    if len(set(ids)) != len(ids):
        raise Invalid("attachments must not name an attachment twice.", "attachments")
    return ids


def claim(message, ids: tuple[int, ...]) -> None:
    """Attach the sender's unsent uploads to the room to `message`, stored in this transaction.

    One UPDATE, which sets the message only on rows that are still unsent, the sender's, and
    of the message's room, and returns them: a concurrent send claiming one of them too, or any
    other id, leaves it out, and the send is refused (AttachmentsRefused) with the transaction
    rolled back by the caller.
    """
    db = transaction.get_connection()
    quote, meta = db.ops.quote_name, Attachment._meta
    column = {field.name: quote(field.column) for field in meta.concrete_fields}
    returned = [field.attname for field in meta.concrete_fields]
    in_order = " ".join(["WHEN %s THEN %s"] * len(ids))
    with db.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(meta.db_table)} SET {column['message']} = %s, "
            f"{column['position']} = CASE {column['id']} {in_order} END "
            f"WHERE {column['id']} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND {column['uploader']} = %s AND {column['room']} = %s "
            f"AND {column['message']} IS NULL "
            f"RETURNING {', '.join(column[field.name] for field in meta.concrete_fields)}",
            [
                message.pk,
                *(value for position, pk in enumerate(ids) for value in (pk, position)),
                *ids,
                message.sender_id,
                message.room_id,
            ],
        )
        rows = cursor.fetchall()
    if len(rows) != len(ids):
        raise AttachmentsRefused(
            "attachments must be your own uploads to this room, not sent with another message.",
            "attachments",
        )
    claimed = {row[0]: Attachment.from_db(db.alias, returned, row) for row in rows}
    message.attachment_list = [claimed[pk] for pk in ids]


def with_attachments() -> Prefetch:
    """For prefetch_related(): a page's attachments in one query, into `attachment_list`."""
    in_order = Attachment.objects.order_by("position")
    return Prefetch("attachments", in_order, to_attr="attachment_list")


# The attachments of a page of a room's messages, found by the room and the page's range of
# ids: compiled once (core/precompiled.py), as a page of messages is.
PAGE_ATTACHMENTS = Precompiled(
    Attachment,
    lambda room, first, last: Attachment.objects.filter(
        room=room, message_id__gte=first, message_id__lte=last
    ).order_by("message_id", "position"),
    room=int,
    first=int,
    last=int,
)


def attach_to_page(messages: list, room_id: int) -> None:
    """with_attachments() for a page that holds every message of the room from its first id
    to its last: one query whatever the page."""
    by_id = {message.pk: message for message in messages}
    for message in messages:
        message.attachment_list = []
    if not messages:
        return
    for attachment in PAGE_ATTACHMENTS.run(room=room_id, first=min(by_id), last=max(by_id)):
        # A message committed after the page was read may fall in its range: not the page's.
        if attachment.message_id in by_id:
            by_id[attachment.message_id].attachment_list.append(attachment)


def payloads(message) -> list[dict]:
    """The message's attachments as clients see them; loaded here if no one loaded them."""
    attachments = getattr(message, "attachment_list", None)
    if attachments is None:
        attachments = message.attachment_list = list(message.attachments.order_by("position"))
    return [payload(attachment) for attachment in attachments]


def payload(attachment: Attachment) -> dict:
    """AttachmentSerializer's output (attachments/serializers.py)."""
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "url": reverse("attachment-file", args=[attachment.pk]),
        "thumbnail_url": reverse("attachment-thumbnail", args=[attachment.pk])
        if attachment.thumbnail
        else None,
    }


def carries_any(message) -> bool:
    """Whether the message has attachments: then it may have no text."""
    return Attachment.objects.filter(message=message).exists()


def delete_for(message) -> None:
    """A deleted message's attachments: rows now, files once the deletion commits (cleanup.py)."""
    Attachment.objects.filter(message=message).delete()
    message.attachment_list = []
