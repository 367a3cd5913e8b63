"""The one way messages and memberships change: REST views and the socket consumer both call this.

Each function authorises (membership is checked on every call), writes in one
transaction, and publishes to sockets only once the transaction has committed,
so no client ever sees an event the database does not hold.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException

from core.text import MAX_ID, is_storable

from . import fanout
from .events import member_event, message_event, room_event
from .models import Membership, Message, Room

logger = logging.getLogger(__name__)


class ChatError(APIException):
    """A refused request. REST answers with its status; the socket with an error event."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        # REST validation errors name their field, as DRF's own do.
        super().__init__({field: [message]} if field else message)

    @property
    def code(self) -> str:
        return self.default_code


class Invalid(ChatError):
    status_code, default_code = 400, "invalid"


class Forbidden(ChatError):
    status_code, default_code = 403, "forbidden"


class NotFound(ChatError):
    status_code, default_code = 404, "not_found"


def clean_text(value, field: str) -> str:
    """A string the database can store, or Invalid naming the field."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string.", field)
    if not is_storable(value):
        raise Invalid(f"{field} must be Unicode text without NUL characters.", field)
    return value


def clean_id(value, field: str) -> int:
    """An id as the client gave it: an integer in the database's range, or Invalid."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise Invalid(f"{field} must be an integer id (1 to 2**63 - 1).", field)
    return value


def clean_body(body) -> str:
    body = clean_text(body, "body").strip()
    if not body:
        raise Invalid("body must not be empty.", "body")
    limit = settings.CHAT_MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise Invalid(f"body must be at most {limit} characters.", "body")
    return body


def clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        raise Invalid(
            "client_id must be a string of 1 to 64 characters (a UUID, say).", "client_id"
        )
    return clean_text(client_id, "client_id")


def publish_after_commit(publish: Callable[[], None]) -> None:
    """Run `publish` once the transaction commits; a failure to publish is logged, not raised.

    What is committed stands: answering an error would have the client retry a change that
    exists. Sockets that missed the event catch up by cursor (docs/websocket.md).
    """
    transaction.on_commit(publish, robust=True)


def room_for(user, room_id) -> Room:
    """The room, if `user` may see it: group rooms are public, 1-to-1 rooms only to their two."""
    room = Room.objects.filter(pk=clean_id(room_id, "room")).first()
    if room is None or (room.kind == Room.Kind.DIRECT and not is_member(user, room.pk)):
        raise NotFound("No such room.")
    return room


def is_member(user, room_id: int) -> bool:
    return Membership.objects.filter(room_id=room_id, user=user).exists()


def membership_for(user, room_id) -> Membership:
    """The user's membership: NotFound if they may not see the room, Forbidden if not a member."""
    clean_id(room_id, "room")
    membership = (
        Membership.objects.select_related("room").filter(room_id=room_id, user=user).first()
    )
    if membership is None:
        room_for(user, room_id)  # raises NotFound for rooms the user may not even see
        raise Forbidden("You are not a member of this room.")
    return membership


@dataclass(frozen=True)
class SendRequest:
    """One send as the client gave it: nothing is trusted until send_messages checks it."""

    user: Any
    room_id: Any
    body: Any
    client_id: Any


def send_message(user, room_id, body, client_id) -> tuple[Message, bool]:
    """Store and publish a message; a known client_id returns the first message (created=False)."""
    result = send_messages([SendRequest(user, room_id, body, client_id)])[0]
    if isinstance(result, ChatError):
        raise result
    return result


def send_messages(
    requests: list[SendRequest], publish: Callable[[list], None] | None = None
) -> list[tuple[Message, bool] | ChatError]:
    """Store a batch of sends in one transaction, each validated and authorised on its own.

    The sends that arrive together share two queries and one commit (group commit)
    instead of paying them each (a resend among them costs a second try). Every result
    is what send_message would have given for that send alone: (message, created) or the
    ChatError that refuses it. Once the transaction has committed, `publish` gets the new
    messages' (room id, event) pairs; by default they go to the rooms' sockets at once.
    """
    results: list = [None] * len(requests)
    accepted = []
    for index, request in enumerate(requests):
        try:
            body, client_id = clean_body(request.body), clean_client_id(request.client_id)
            clean_id(request.room_id, "room")
        except ChatError as error:
            results[index] = error
            continue
        accepted.append((index, request, body, client_id))
    if not accepted:
        return results
    try:
        return store_accepted(requests, accepted, results, publish)
    except REFUSED_VALUES as error:
        # Validation keeps such values out; should the database still refuse one, it fails
        # that send alone, never the other senders' sends that shared its batch.
        if len(accepted) > 1:
            return one_by_one(requests, accepted, results, publish)
        logger.warning("the database refused a send's values (%s)", type(error).__name__)
        results = list(results)
        results[accepted[0][0]] = Invalid("The message cannot be stored as sent.")
        return results


# What a database raises for a value it cannot store: the sender's input, not an outage.
REFUSED_VALUES = (DataError, UnicodeError, OverflowError)


def store_accepted(requests, accepted, results: list, publish) -> list:
    users = {request.user.pk for _, request, _, _ in accepted}
    members = member_pairs(users, {request.room_id for _, request, _, _ in accepted})
    # Nearly every send is new: store the batch first, and look for earlier sends with the
    # same client_id only if the database refuses it as a duplicate.
    try:
        return place_sends(accepted, members, {}, results, publish)
    except IntegrityError:
        pass
    known = {
        (message.sender_id, message.client_id): message
        for message in Message.objects.filter(
            sender_id__in=users, client_id__in={client_id for *_, client_id in accepted}
        ).select_related("sender")
    }
    try:
        return place_sends(accepted, members, known, results, publish)
    except IntegrityError:
        return settle_race(requests, accepted, results, publish)


def one_by_one(requests, accepted, results: list, publish) -> list:
    """Each accepted send of a failed batch stored on its own, so a failure stays its own."""
    results = list(results)
    for index, *_ in accepted:
        results[index] = send_messages([requests[index]], publish)[0]
    return results


def member_pairs(user_ids: set[int], room_ids: set[int]) -> set[tuple[int, int]]:
    """The (user id, room id) pairs among these that are memberships.

    Plain SQL, because every batch of sends runs it: the ORM takes longer to build this
    query than the database takes to answer it (about 0.2 ms of CPU, a third of storing a
    message on its own).
    """
    db = transaction.get_connection()
    quote = db.ops.quote_name
    meta = Membership._meta
    user, room = (quote(meta.get_field(name).column) for name in ("user", "room"))
    query = (
        f"SELECT {user}, {room} FROM {quote(meta.db_table)} "
        f"WHERE {user} IN ({', '.join(['%s'] * len(user_ids))}) "
        f"AND {room} IN ({', '.join(['%s'] * len(room_ids))})"
    )
    with db.cursor() as cursor:
        cursor.execute(query, [*user_ids, *room_ids])
        return set(map(tuple, cursor.fetchall()))


def place_sends(accepted, members: set, known: dict, results: list, publish) -> list:
    """Authorise each accepted send, resolve resends against `known`, store the new ones."""
    results = list(results)
    new: list[Message] = []
    for index, request, body, client_id in accepted:
        try:
            if (request.user.pk, request.room_id) not in members:
                membership_for(request.user, request.room_id)  # NotFound or Forbidden
            key = (request.user.pk, client_id)
            if key in known:
                # Sent before, or earlier in this batch: the first message stands.
                results[index] = (check_resend(known[key], request.room_id), False)
                continue
        except ChatError as error:
            results[index] = error
            continue
        known[key] = Message(
            room_id=request.room_id, sender=request.user, body=body, client_id=client_id
        )
        new.append(known[key])
        results[index] = (known[key], True)
    if new:
        store_and_publish(new, publish)
    return results


def insert_messages(messages: list[Message]) -> None:
    """Insert the messages, each learning its primary key, in as few INSERTs as the database allows.

    Every batch of sends runs this, and bulk_create takes about 0.1 ms of CPU to build its
    query, more than the database takes to run it. The values are still the ORM's: each
    field's pre_save and database preparation make them.
    """
    db = transaction.get_connection()  # once: each `connection.` is a lookup by thread
    if not db.features.can_return_rows_from_bulk_insert:
        # No INSERT ... RETURNING (MySQL): a row at a time, so that each message learns its key.
        for message in messages:
            message.save(force_insert=True)
        return
    meta, quote = Message._meta, db.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    size = db.ops.bulk_batch_size(fields, messages)
    with db.cursor() as cursor:
        for start in range(0, len(messages), size):
            batch = messages[start : start + size]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row] * len(batch))} RETURNING {quote(meta.pk.column)}",
                [
                    field.get_db_prep_save(field.pre_save(message, True), db)
                    for message in batch
                    for field in fields
                ],
            )
            for message, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                message.pk = pk
                message._state.adding, message._state.db = False, db.alias


def store_and_publish(messages: list[Message], publish: Callable[[list], None] | None) -> None:
    publish = publish or fanout.publish_many_to_rooms_sync
    with transaction.atomic():
        insert_messages(messages)
        events = [(message.room_id, message_event("message.new", message)) for message in messages]
        publish_after_commit(lambda: publish(events))


def settle_race(requests, accepted, results: list, publish) -> list:
    """The batch hit a concurrent change (a client_id sent from another process, a room deleted)."""
    if len(accepted) > 1:
        return one_by_one(requests, accepted, results, publish)
    results = list(results)
    index, request, _, client_id = accepted[0]
    winner = (
        Message.objects.select_related("sender")
        .filter(sender_id=request.user.pk, client_id=client_id)
        .first()
    )
    try:
        if winner is None:
            raise NotFound("No such room.")
        results[index] = (check_resend(winner, request.room_id), False)
    except ChatError as error:
        results[index] = error
    return results


def check_resend(message: Message, room_id: int) -> Message:
    if message.room_id != room_id:
        raise Invalid("This client_id was already used for a message in another room.", "client_id")
    return message


def editable_message(user, message_id: int) -> tuple[Message, Membership]:
    message = Message.objects.select_related("sender").filter(pk=message_id).first()
    if message is None or message.deleted is not None:
        raise NotFound("No such message.")
    membership = Membership.objects.filter(room_id=message.room_id, user=user).first()
    if membership is None:
        raise NotFound("No such message.")
    return message, membership


def edit_message(user, message_id: int, body) -> Message:
    body = clean_body(body)
    with transaction.atomic():
        message, _ = editable_message(user, message_id)
        if message.sender_id != user.pk:
            raise Forbidden("Only the sender can edit a message.")
        message.body, message.edited = body, timezone.now()
        message.save(update_fields=["body", "edited"])
        publish_after_commit(
            lambda: fanout.publish_to_room_sync(
                message.room_id, message_event("message.updated", message)
            )
        )
    return message


def delete_message(user, message_id: int) -> Message:
    """Soft delete: the row stays (history keeps its place), the body goes."""
    with transaction.atomic():
        message, membership = editable_message(user, message_id)
        if message.sender_id != user.pk and not membership.moderates:
            raise Forbidden("Only the sender or a room owner or admin can delete a message.")
        message.body, message.deleted = "", timezone.now()
        message.save(update_fields=["body", "deleted"])
        publish_after_commit(
            lambda: fanout.publish_to_room_sync(
                message.room_id, message_event("message.deleted", message)
            )
        )
    return message


def add_member(room: Room, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Within the caller's transaction: the user's sockets follow the room once it commits."""
    membership = Membership.objects.create(room=room, user=user, role=role)
    publish_after_commit(lambda: publish_joined(room, user))
    return membership


def publish_joined(room: Room, user) -> None:
    fanout.publish_membership_sync(user.pk, room.pk, True, room_event("room.joined", room))
    fanout.publish_to_room_sync(room.pk, member_event("member.joined", room.pk, user))


def remove_membership(membership: Membership) -> None:
    """Within the caller's transaction: the user's sockets stop following the room at commit."""
    room, user = membership.room, membership.user
    membership.delete()
    publish_after_commit(lambda: publish_left(room, user))


def publish_left(room: Room, user) -> None:
    fanout.publish_membership_sync(user.pk, room.pk, False, room_event("room.left", room))
    fanout.publish_to_room_sync(room.pk, member_event("member.left", room.pk, user))
