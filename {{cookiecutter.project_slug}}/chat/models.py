"""Rooms, memberships and messages: one schema for every room model, on purpose.

A project generated with group rooms only, or 1-to-1 conversations only, still has both kinds
in its schema (`Room.kind`, `direct_pair`, roles): the code that serves the other kind is left
out, the tables are not. So a project can add the other kind later by adding its code, without
a migration that rewrites the history of its rooms.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Room(models.Model):
    """A conversation: a named group room, or a 1-to-1 conversation between two users."""

    class Kind(models.TextChoices):
        GROUP = "group"
        DIRECT = "direct"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # "<lower user id>:<higher user id>" for a direct conversation: unique, so one pair has one.
    direct_pair = models.CharField(max_length=41, null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="direct", direct_pair__isnull=False)
                | Q(kind="group", direct_pair__isnull=True),
                name="room_direct_pair_iff_direct",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{self.kind} room {self.pk}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner"
        ADMIN = "admin"
        MEMBER = "member"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.MEMBER)
    joined = models.DateTimeField(auto_now_add=True)
    # The member's read cursor: the newest message they have read (read state and unread counts).
    last_read_message = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="membership_once_per_room")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} ({self.role})"

    @property
    def moderates(self) -> bool:
        return self.role in (self.Role.OWNER, self.Role.ADMIN)


class Message(models.Model):
    # No index of their own: message_room_id serves lookups by room, and the index of
    # message_client_id_once those by sender. Every index is a page written per message.
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Stored exactly as sent: clients escape it when they display it; never rendered as HTML.
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    edited = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)
    # Chosen by the sender's client; a resend with the same id returns the first message.
    client_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_client_id_once")
        ]
        # History pages are "this room, ids before/after N": one index serves both.
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"
