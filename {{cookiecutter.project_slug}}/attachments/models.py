"""Files uploaded to a room, then sent with a message (at most one message each)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from chat.models import Message, Room

from .storage import attachment_storage


class Attachment(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    # Kept when the uploader's account goes: the file still belongs to the room's history.
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Null until a message of the uploader claims it (attachments/linking.py); a message
    # deleted, hard or soft, takes its attachments and their files with it.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # Its place among its message's attachments, in the order the sender listed them.
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    file = models.FileField(storage=attachment_storage, max_length=200)
    thumbnail = models.FileField(storage=attachment_storage, max_length=200, blank=True)
    # The client's file name, made safe, for downloads to be saved under.
    name = models.CharField(max_length=255)
    # As detected from the file's content, never as the client said (attachments/content.py).
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        # The orphan clean-up's scan: uploads never sent, oldest first.
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(message__isnull=True),
                name="attachment_unsent_created",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} in room {self.room_id}"
