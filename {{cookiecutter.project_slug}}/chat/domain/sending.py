"""Storing sends: the one way a message is created, from a socket's batch or a REST request.

The sends that arrive together (chat/realtime/send_batcher.py gathers a socket's) are stored in
one transaction, each validated and authorised on its own, with a fallback that keeps one bad
send from failing the others. The SQL this runs for every batch is in chat/storage.py.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from django.db import DataError, IntegrityError, transaction

from attachments import linking

from ..models import Message
from ..realtime.publish import publish_many_to_rooms_sync
from ..storage import senders_history_cuts, store_numbered
from .access import sender_membership
from .after_commit import publish_after_commit
from .errors import ChatError, Invalid, NotFound
from .events import message_event
from .validation import clean_body, clean_client_id, clean_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendRequest:
    """One send as the client gave it: nothing is trusted until send_messages checks it."""

    user: Any
    room_id: Any
    body: Any
    client_id: Any
    # The message this one answers, if any: one of the same room.
    reply_to: Any = None
    # Ids of the sender's uploads to the room that the message carries (attachments/).
    attachments: Any = None


class Accepted(NamedTuple):
    """A send whose values passed validation, cleaned: what is left is to authorise and store it."""

    index: int
    request: SendRequest
    body: str
    client_id: str
    reply_to: int | None
    attachments: tuple[int, ...]


def send_message(
    user, room_id, body, client_id, reply_to=None, attachments=None
) -> tuple[Message, bool]:
    """Store and publish a message; a known client_id returns the first message (created=False)."""
    request = SendRequest(user, room_id, body, client_id, reply_to, attachments)
    result = send_messages([request])[0]
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
            attachments = linking.clean_ids(request.attachments)
            body = clean_body(request.body, allow_empty=bool(attachments))
            client_id = clean_client_id(request.client_id)
            clean_id(request.room_id, "room")
            reply_to = None if request.reply_to is None else clean_id(request.reply_to, "reply_to")
        except ChatError as error:
            results[index] = error
            continue
        accepted.append(Accepted(index, request, body, client_id, reply_to, attachments))
    if not accepted:
        return results
    try:
        return store_accepted(requests, accepted, results, publish)
    except linking.AttachmentsRefused as error:
        # Nothing of the batch was stored: each send again alone, so that only this one fails.
        if len(accepted) > 1:
            return one_by_one(requests, accepted, results, publish)
        results = list(results)
        results[accepted[0].index] = error
        return results
    except REFUSED_VALUES as error:
        # Validation keeps such values out; should the database still refuse one, it fails
        # that send alone, never the other senders' sends that shared its batch.
        if len(accepted) > 1:
            return one_by_one(requests, accepted, results, publish)
        logger.warning("the database refused a send's values (%s)", type(error).__name__)
        results = list(results)
        results[accepted[0].index] = Invalid("The message cannot be stored as sent.")
        return results


# What a database raises for a value it cannot store: the sender's input, not an outage.
REFUSED_VALUES = (DataError, UnicodeError, OverflowError)


def store_accepted(requests, accepted: list[Accepted], results: list, publish) -> list:
    users = {send.request.user.pk for send in accepted}
    senders = senders_history_cuts(
        {(send.request.user.pk, send.request.room_id) for send in accepted}
    )
    # Nearly every send is new: store the batch first, and look for earlier sends with the
    # same client_id only if the database refuses it as a duplicate.
    try:
        return place_sends(accepted, senders, {}, results, publish)
    except IntegrityError:
        pass
    known = {
        (message.sender_id, message.client_id): message
        for message in earlier_sends().filter(
            sender_id__in=users, client_id__in={send.client_id for send in accepted}
        )
    }
    try:
        return place_sends(accepted, senders, known, results, publish)
    except IntegrityError:
        return settle_race(requests, accepted, results, publish)


def earlier_sends():
    """Messages a resend is answered with: with all their event carries (the socket's event
    loop answers it, where a lazy read of the database is refused)."""
    return Message.objects.select_related("sender", "reply_to__sender").prefetch_related(
        linking.with_attachments()
    )


def one_by_one(requests, accepted, results: list, publish) -> list:
    """Each accepted send of a failed batch stored on its own, so a failure stays its own."""
    results = list(results)
    for send in accepted:
        results[send.index] = send_messages([requests[send.index]], publish)[0]
    return results


def place_sends(accepted: list[Accepted], senders: dict, known: dict, results, publish) -> list:
    """Authorise each accepted send, resolve resends against `known`, store the new ones."""
    results = list(results)
    new: list[Message] = []
    claims: list[tuple[Message, tuple[int, ...]]] = []
    replied = reply_targets({send.reply_to for send in accepted if send.reply_to is not None})
    for index, request, body, client_id, reply_to, attachments in accepted:
        try:
            history_from = senders.get((request.user.pk, request.room_id))
            if history_from is None:  # NotFound, Forbidden, or a membership added meanwhile
                history_from = sender_membership(request.user, request.room_id).history_from
            key = (request.user.pk, client_id)
            if key in known:
                # Sent before, or earlier in this batch: the first message stands.
                results[index] = (check_resend(known[key], request.room_id), False)
                continue
            target = None if reply_to is None else replied.get(reply_to)
            if reply_to is not None and (
                target is None or target.room_id != request.room_id or target.pk <= history_from
            ):
                raise Invalid("reply_to must be a message of the same room.", "reply_to")
        except ChatError as error:
            results[index] = error
            continue
        known[key] = new_message(request.room_id, request.user, body, client_id)
        if target is not None:
            # Set only when there is one: assigning None costs a descriptor's work per send.
            known[key].reply_to = target
        # Known to carry none: its event is built without looking them up.
        known[key].attachment_list = []
        if attachments:
            claims.append((known[key], attachments))
        new.append(known[key])
        results[index] = (known[key], True)
    if new:
        store_and_publish(new, claims, publish)
    return results


def new_message(room_id: int, sender, body: str, client_id: str) -> Message:
    """Message(room_id=..., sender=..., body=..., client_id=...), unsaved, built the way Django
    builds a row it loads: every field's value by position, the sender's object cached as the
    keyword would. Parsing the keywords took a seventh of storing a batch's instructions on
    SQLite (bench/store_cost.py); every other field takes its default all the same."""
    layout = message_layout()
    values = list(layout.defaults)
    for index, field in layout.made_per_message:
        values[index] = field.get_default()
    values[layout.room_id] = room_id
    values[layout.sender_id] = sender.pk
    values[layout.body] = body
    values[layout.client_id] = client_id
    message = Message(*values)
    Message.sender.field.set_cached_value(message, sender)
    return message


class MessageLayout(NamedTuple):
    """Message's concrete fields in Model.__init__'s positional order: each one's default, the
    fields whose default is made anew for each message (a callable), and where new_message's
    four values go."""

    defaults: tuple
    made_per_message: tuple
    room_id: int
    sender_id: int
    body: int
    client_id: int


@cache
def message_layout() -> MessageLayout:
    fields = Message._meta.concrete_fields
    at = {field.attname: index for index, field in enumerate(fields)}
    return MessageLayout(
        defaults=tuple(field.get_default() for field in fields),
        made_per_message=tuple(
            (index, field)
            for index, field in enumerate(fields)
            if field.has_default() and callable(field.default)
        ),
        room_id=at["room_id"],
        sender_id=at["sender_id"],
        body=at["body"],
        client_id=at["client_id"],
    )


def store_and_publish(
    messages: list[Message], claims: list, publish: Callable[[list], None] | None
) -> None:
    """Store the messages, attach their uploads (`claims`: message, attachment ids), publish.

    A batch without attachments runs exactly what it ran before they existed.
    """
    publish = publish or publish_many_to_rooms_sync
    if claims:
        # One transaction: a refused claim (linking.AttachmentsRefused) stores no message.
        with transaction.atomic():
            store_numbered(messages)
            for message, attachments in claims:
                linking.claim(message, attachments)
    else:
        store_numbered(messages)
    events = [(message.room_id, message_event("message.new", message)) for message in messages]
    publish_after_commit(lambda: publish(events))


def settle_race(requests, accepted, results: list, publish) -> list:
    """The batch hit a concurrent change (a client_id sent from another process, a room deleted)."""
    if len(accepted) > 1:
        return one_by_one(requests, accepted, results, publish)
    results = list(results)
    index, request, client_id = accepted[0].index, accepted[0].request, accepted[0].client_id
    winner = earlier_sends().filter(sender_id=request.user.pk, client_id=client_id).first()
    try:
        if winner is None:
            raise NotFound("No such room.")
        results[index] = (check_resend(winner, request.room_id), False)
    except ChatError as error:
        results[index] = error
    return results


def reply_targets(message_ids: set[int]) -> dict[int, Message]:
    """The messages replied to by a batch, by id: one query, none when nobody replies."""
    if not message_ids:
        return {}
    messages = Message.objects.select_related("sender").filter(pk__in=message_ids)
    return {message.pk: message for message in messages}


def check_resend(message: Message, room_id: int) -> Message:
    if message.room_id != room_id:
        raise Invalid("This client_id was already used for a message in another room.", "client_id")
    return message
