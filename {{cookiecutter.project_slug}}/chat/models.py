"""Rooms, memberships and messages: one schema for every room model, on purpose.

A project generated with group rooms only, or 1-to-1 conversations only, still has both kinds
in its schema (`Room.kind`, `direct_pair`, roles): the code that serves the other kind is left
out, the tables are not. So a project can add the other kind later by adding its code, without
a migration that rewrites the history of its rooms.
"""

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q


class Room(models.Model):
    """A conversation: a named group room, or a 1-to-1 conversation between two users."""

    class Kind(models.TextChoices):
        GROUP = "group"
        DIRECT = "direct"

    class Visibility(models.TextChoices):
        # Listed in discovery; anyone may join.
        PUBLIC = "public"
        # Invitation only: absent from discovery, and unknown (404) to everyone but its
        # members and the users invited to it. Every 1-to-1 conversation is private.
        PRIVATE = "private"

    kind = models.CharField(max_length=6, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    visibility = models.CharField(
        max_length=7, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    # Whether a member who joins later reads the messages from before they joined.
    history_visible = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    # "<lower user id>:<higher user id>" for a direct conversation: unique, so one pair has one.
    direct_pair = models.CharField(max_length=41, null=True, blank=True, unique=True)
    # The seq of the room's newest message: raised in the transaction that stores messages, so
    # that each gets the next number (chat/storage.py store_numbered).
    last_seq = models.BigIntegerField(default=0, editable=False)
    # The number of the room's latest change to a stored message (an edit, a deletion, a
    # reaction added or taken back): raised under the room's row lock, as last_seq is, so that a
    # client that reconnects asks for the changes after the last it saw (?changed_after=).
    last_change = models.BigIntegerField(default=0, editable=False)

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

    @property
    def is_private(self) -> bool:
        return self.kind == self.Kind.DIRECT or self.visibility == self.Visibility.PRIVATE


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
    # The id of the room's newest message when the member joined a room whose history is
    # hidden from newcomers: they read only the messages after it (0: all of them).
    history_from = models.BigIntegerField(default=0, editable=False)
    # The id of the room's newest message when the member joined (0: none yet): what came
    # before is not unread for them, though they may read it. Not a read cursor: nobody is
    # shown as having read it.
    unread_from = models.BigIntegerField(default=0, editable=False)
    # A 1-to-1 hidden from the member's room list through this message id: it comes back
    # when a newer message arrives, so nothing is written when one does.
    hidden_through = models.BigIntegerField(null=True, blank=True, editable=False)
    # In a 1-to-1, the other member blocked this one: their sends are refused. Kept with the
    # Block in one transaction, so the send path checks it in the membership query it makes.
    blocked_by_peer = models.BooleanField(default=False, editable=False)

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
    # 1, 2, 3... per room, in the order the messages were stored: a client that sees a number
    # skipped knows it missed a message (docs/websocket.md, "Gaps").
    seq = models.BigIntegerField(editable=False)
    # The message this one answers, in the same room; kept, and shown deleted, if deleted.
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The room's last_change when this message last changed; 0 if it never did.
    change = models.BigIntegerField(default=0, editable=False)

    class Meta:
        # No unique index on (room, seq): no query reads by seq, and the index would be a page
        # written per message (a quarter of storing one). Only the room's row lock numbers
        # messages (chat/storage.py, save() below), and a test proves the numbers distinct.
        constraints = [
            models.UniqueConstraint(fields=["sender", "client_id"], name="message_client_id_once")
        ]
        # History pages are "this room, ids before/after N": one index serves both.
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            # A reconnect's "changes after N". Partial: a message stored and never changed
            # (most of them) writes no page of it.
            models.Index(
                fields=["room", "change"], condition=Q(change__gt=0), name="message_room_change"
            ),
        ]

    def __str__(self) -> str:
        return f"message {self.pk} in room {self.room_id}"

    def save(self, *args, **kwargs):
        # Sends are numbered in batches (chat/storage.py); a message saved on its own (the
        # admin, a data migration, a test) takes the room's next number here.
        if self.seq is None:
            with transaction.atomic():
                rooms = Room.objects.filter(pk=self.room_id)
                rooms.update(last_seq=models.F("last_seq") + 1)
                self.seq = rooms.values_list("last_seq", flat=True).get()
                super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)


class Reaction(models.Model):
    """One user's emoji on one message; a user may put several different emoji on a message."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reactions", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=32)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Its index also serves the lookups of a page's reactions by message.
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="reaction_once_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.user_id} on {self.message_id}"


class Invitation(models.Model):
    """A pending invitation to a group room: accepted (it becomes a membership) or declined."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="invitation_once_per_room")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} invited to {self.room_id}"


class Ban(models.Model):
    """A user banned from a group room: they cannot join, be invited or be added until unbanned."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="ban_once_per_room")]

    def __str__(self) -> str:
        return f"{self.user_id} banned from {self.room_id}"


class Block(models.Model):
    """`blocker` refuses `blocked`: their 1-to-1 messages, invitations and new conversations."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Report(models.Model):
    """A member's report of a message: shown to the room's owner and admins, and to staff."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    # The message's text as it was reported: its sender editing or deleting it afterwards does
    # not change what the moderators judge.
    reported_body = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    # Set by staff in the admin once dealt with; open reports are the ones without it.
    resolved = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="report_once_per_member")
        ]

    def __str__(self) -> str:
        return f"report of {self.message_id} by {self.reporter_id}"
