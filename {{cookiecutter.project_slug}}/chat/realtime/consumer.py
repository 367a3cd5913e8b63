"""The one WebSocket a user's client keeps open: the chat protocol, one handler per frame type.

Thin on purpose: each handler parses its frame, calls the domain (chat/domain, which
authorises, stores and publishes) and replies. A new frame type is a new handler in
FRAME_HANDLERS, nothing else. The transport is apart: frames go out through the socket's
outbox (outbox.py), sends are stored in batches through the send pipeline (send_pipeline.py),
and room events reach the socket from the process's hub (hub.py), already encoded.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import NamedTuple

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.clock import Clock
from accounts.revocation import ended_since
from core.outages import OUTAGES

from ..domain.access import membership_for
from ..domain.errors import ChatError, Forbidden, Invalid, gone_meanwhile
from ..domain.events import message_event, read_event, user_ref
from ..domain.messages import delete_message, edit_message
from ..domain.reactions import add_reaction, remove_reaction
from ..domain.read_state import mark_read
from ..domain.sending import SendRequest
from ..domain.validation import clean_id
from ..models import Membership
from .credential_expiry import CredentialExpiry
from .frames import (
    CLOSE_RATE_LIMITED,
    CLOSE_SERVER_ERROR,
    CLOSE_TOO_SLOW,
    CLOSE_TRY_AGAIN_LATER,
    CLOSE_UNAUTHENTICATED,
    client_id_of,
    encode,
    error_event,
    parse_frame,
)
from .hub import SocketLimitReached, get_hub
from .layer_watch import interrupted_event
from .outbox import WRITE_TEXTS_NOW, Outbox
from .presence import get_presence
from .publish import publish_to_room_others
from .rate_limits import Limit, characters_limit, frame_limit, get_rate_limiter, message_limit
from .send_batcher import Stored
from .send_pipeline import SendPipeline
from .typing import get_typing_relay, typing_timings

logger = logging.getLogger(__name__)

STORE_FAILED = "The message could not be stored. Send it again with the same client_id."
OUT_OF_REACH = "The server could not reach its database or Redis: send it again in a few seconds."


class Memberships(NamedTuple):
    # Room id -> where the user's history starts there (chat/realtime/history_cuts.py).
    history_from: dict[int, int]
    # The 1-to-1s whose other member blocks the user: no typing of theirs is relayed there.
    blocked_in: set[int]


@database_sync_to_async
def memberships_of(user) -> Memberships:
    rows = Membership.objects.filter(user=user).values_list(
        "room_id", "history_from", "blocked_by_peer"
    )
    memberships = Memberships({}, set())
    for room_id, history_from, blocked in rows:
        memberships.history_from[room_id] = history_from
        if blocked:
            memberships.blocked_in.add(room_id)
    return memberships


class FrameHandler(NamedTuple):
    handle: Callable[["ChatConsumer", dict], Awaitable[None]]
    # The rate limit the frame counts against (chat/realtime/rate_limits.py).
    limit: Callable[[], Limit] = frame_limit
    # Answered only after the sends the client sent before it: every frame but a send.
    after_sends: bool = True


# Frame type -> its handler; each handler registers itself with @handles below.
FRAME_HANDLERS: dict[str, FrameHandler] = {}


def handles(frame_type: str, **options):
    def register(handle):
        FRAME_HANDLERS[frame_type] = FrameHandler(handle, **options)
        return handle

    return register


class ChatConsumer(AsyncWebsocketConsumer):
    # Events reach sockets through the process's hub, not one layer channel per socket.
    channel_layer_alias = None
    # What credential expiry is measured by; tests hand in one they move by hand.
    clock = Clock()
    # Closes the socket when its client has fallen behind or its writes failed.
    closer: asyncio.Task | None = None
    attached = False
    # The rooms the socket followed when it was detached from the hub.
    followed: set[int] = frozenset()
    # Counted among its user's sockets for presence (chat/realtime/presence.py).
    present = False
    # Identifies the credential the socket was opened with (accounts/revocation.py).
    credential_id: str | None = None
    # The user's credentials_version when that credential was checked: raised since, every
    # credential of the user ended (users/credentials.py), as the hub checks after an outage.
    credentials_version: int | None = None
    # Frames refused by the rate limit since the last one let through.
    refused_in_a_row = 0
    # Set once the socket is authenticated.
    user_id: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outbox = Outbox(
            self.send_text_frame,
            settings.CHAT_SOCKET_SEND_BUFFER,
            on_overflow=lambda: self.close_later(CLOSE_TOO_SLOW, "its client fell behind"),
            on_failure=lambda: self.close_later(CLOSE_SERVER_ERROR, "writing to it failed"),
        )
        # What the hub calls for every socket of a room: the outbox's own, with no hop between.
        self.push = self.outbox.push
        self.sends = SendPipeline(self.answer_stored, self.answer_refused, self.answer_failed)
        self.expiry = CredentialExpiry(self.clock, self.close_unauthenticated)
        # Room id -> where the user's history starts there, where not 0 (history_cuts.py).
        self.history_cuts: dict[int, int] = {}
        # The 1-to-1s whose other member blocks the user (kept current by the hub).
        self.blocked_in: set[int] = set()

    async def connect(self):
        user = self.scope["user"]
        # Accept before closing: a close during the handshake reaches the client as a bare
        # HTTP 403, and 4401 tells it to authenticate again rather than to retry.
        await self.accept()
        if not user.is_authenticated:
            # Who was refused, and why, is all that is logged: never a credential.
            logger.info("refused a socket: no valid credential")
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        try:
            await self.open_session(user)
        except SocketLimitReached:
            logger.warning("refusing a socket of user %s: too many sockets open", user.pk)
            await self.close(code=CLOSE_RATE_LIMITED)
        except OUTAGES as error:
            logger.warning("refusing a socket of user %s: %r", user.pk, error)
            with suppress(*OUTAGES):  # what the hub still holds of it goes with the close
                await self.detach()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def open_session(self, user) -> None:
        """Follow the user's rooms, then tell the client it is ready: session.ready."""
        self.user_id = user.pk
        self.credential_id = self.scope.get("credential_id")
        self.credentials_version = user.credentials_version
        extensions = self.scope.get("extensions") or {}
        self.outbox.write_now = extensions.get(WRITE_TEXTS_NOW, {}).get("write")
        hub = get_hub()
        # The user's membership changes reach the hub before the memberships are read: one
        # committed meanwhile is applied as the socket attaches.
        read_at = await hub.expect(user.pk)
        try:
            memberships = await memberships_of(user)
        except BaseException:
            await asyncio.shield(hub.unexpect(user.pk))
            raise
        room_ids = list(memberships.history_from)
        self.history_cuts = {room: cut for room, cut in memberships.history_from.items() if cut}
        self.blocked_in = memberships.blocked_in
        # Events may reach the socket while the hub subscribes it room by room: they wait, so
        # that session.ready comes first and means "from here on, every event".
        arrived_meanwhile: list[str] = []
        self.push = arrived_meanwhile.extend
        try:
            await hub.attach(self, room_ids, settings.CHAT_MAX_SOCKETS_PER_USER, read_at)
            self.attached = True
            if await self.credential_ended():
                return
            # Online before session.ready: a client told it is ready is seen by the others.
            await get_presence().socket_opened(user, room_ids)
            self.present = True
        finally:
            self.push = self.outbox.push
        self.expiry.expire_at(self.scope.get("credential_expires_at"))
        self.send_event(
            {
                "type": "session.ready",
                "user": user_ref(user),
                "typing": typing_timings(),
                "presence": settings.CHAT_PRESENCE,
            }
        )
        if hub.delivery_interrupted:
            # Opened during an outage (the process follows the user's rooms already): told,
            # as the sockets open before it were, and asked to resync with them after it.
            self.send_event(interrupted_event())
        if arrived_meanwhile:
            self.push(tuple(arrived_meanwhile))
        logger.info("socket opened for user %s", user.pk)

    async def disconnect(self, code):
        if self.user_id is not None:
            logger.info("socket of user %s closed (%s)", self.user_id, code)
        self.expiry.cancel()
        if self.closer is not None:
            self.closer.cancel()
        self.outbox.close()
        await self.detach()
        if self.present:
            self.present = False
            await get_presence().socket_closed(self.scope["user"], self.followed)
        if self.user_id is not None and not get_hub().users.get(self.user_id):
            # The user's last socket here: nobody will stop what it was typing.
            for room_id in get_typing_relay().stop_all(self.user_id):
                await publish_to_room_others(
                    room_id, self.user_id, self.typing_event("typing.stop", room_id)
                )

    async def detach(self) -> None:
        if self.attached:
            self.attached = False
            self.followed = set(get_hub().socket_rooms.get(self, ()))
            # Shielded: cut short (a disconnect cancels the closer), it would leave this
            # socket in the hub's registry.
            await asyncio.shield(get_hub().detach(self))

    async def send_text_frame(self, text: str) -> None:
        # The ASGI send itself: AsyncWebsocketConsumer.send adds nothing for text.
        await self.base_send({"type": "websocket.send", "text": text})

    def close_later(self, code: int, reason: str) -> None:
        """Close from a callback that cannot wait (the hub's push, the outbox's drain)."""
        if self.closer is None:
            logger.info("closing a socket of user %s: %s", self.user_id, reason)
            self.closer = asyncio.create_task(self.detach_and_close(code))

    async def detach_and_close(self, code: int) -> None:
        await self.detach()
        await self.close(code=code)

    async def close_unauthenticated(self) -> None:
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def credential_ended(self) -> bool:
        """Whether the credential ended after the handshake checked it, but before the hub knew
        the socket, whose revocation then went by it: if so the socket is closed, 4401."""
        checked_at = self.scope.get("credential_checked_at")
        if checked_at is None:
            return False
        # The hub hears of every end, and keeps it a while: no round trip to Redis per handshake.
        ended = get_hub().ended_since(self.user_id, self.credential_id, checked_at)
        if ended is None:  # it started listening after the check: the shared record tells
            ended = await ended_since(self.user_id, self.credential_id, checked_at)
        if not ended:
            return False
        logger.info("refused a socket of user %s: its credential ended meanwhile", self.user_id)
        await self.detach_and_close(CLOSE_UNAUTHENTICATED)
        return True

    async def close(self, code=None, reason=None):
        # What the client was not sent, it fetches by cursor after reconnecting: the close
        # does not wait behind it (a client that is not reading would hold it forever).
        self.outbox.close()
        await super().close(code, reason)

    async def __call__(self, scope, receive, send):
        # Channels' own reads through await_many_dispatch, which merges the client's messages
        # with a layer channel's in a task and an asyncio.wait per socket. This socket's only
        # source is its client (events come from the hub): read it directly, without them,
        # as they hold some 3 KiB of every idle socket (bench/socket_memory.py).
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
                # The loop's other work runs between two frames of one client, as between
                # channels' own reads: a client's burst takes its turn with everyone else's.
                await asyncio.sleep(0)
        except StopConsumer:
            pass

    async def websocket_disconnect(self, message):
        # Channels' own also hops to a thread to close stale database connections: see dispatch.
        await self.disconnect(message["code"])
        raise StopConsumer

    async def dispatch(self, message):
        # Channels' own dispatch first hops to a thread to close stale database connections,
        # for every frame. The database work here runs through database_sync_to_async and
        # the batcher, which look after their connections, so that hop is pure cost.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.attached:
            return  # refused at the handshake, or on its way out
        size = len(text_data if text_data is not None else bytes_data or b"")
        limit = characters_limit()
        retry_after = get_rate_limiter().unread_retry_after(limit, self.user_id, size)
        if retry_after is not None:
            # Unread: no answer can name the frame (`ref`).
            await self.refuse_over_limit(limit, retry_after, None)
            return
        frame, problem = parse_frame(text_data)
        handler = None if problem else FRAME_HANDLERS.get(frame["type"])
        limit = frame_limit() if handler is None else handler.limit()
        if await self.over_rate_limit(limit, frame):
            return
        if handler is None or handler.after_sends:
            await self.sends.settle()
        # Every answer to a frame names it by its client_id, where it has one (`ref`).
        ref = client_id_of(frame)
        if handler is None:
            self.send_error(
                "invalid", problem or f"Unknown frame type {frame['type'][:64]!r}.", ref
            )
            return
        try:
            await handler.handle(self, frame)
        except ChatError as refused:
            # The domain's refusal of this frame: answered to this socket, which reads on.
            self.send_error(refused.code, refused.message, ref)
        except OUTAGES as error:
            logger.warning("a %r frame of user %s found %r", frame["type"], self.user_id, error)
            self.send_error("unavailable", OUT_OF_REACH, ref)
        except Exception as error:
            if (refused := gone_meanwhile(error)) is not None:
                logger.warning(
                    "a %r frame of user %s raced a deletion: %r", frame["type"], self.user_id, error
                )
                self.send_error(refused.code, refused.message, ref)
                return
            # A bug must cost this frame, not the socket: the client is told, and reads on.
            logger.exception("handling a %r frame of user %s failed", frame["type"], self.user_id)
            self.send_error("internal", "The server failed to handle this frame.", ref)

    async def over_rate_limit(self, limit: Limit, frame: dict | None) -> bool:
        """Whether the frame is over the user's limit: then it is answered and dropped, and a
        client that goes on sending CHAT_RATE_LIMIT_CLOSE_AFTER frames regardless is closed."""
        retry_after = await get_rate_limiter().retry_after(limit, self.user_id)
        if retry_after is None:
            self.refused_in_a_row = 0
            return False
        await self.refuse_over_limit(limit, retry_after, frame)
        return True

    async def refuse_over_limit(self, limit: Limit, retry_after: float, frame: dict | None) -> None:
        self.refused_in_a_row += 1
        if self.refused_in_a_row == 1:
            logger.info("user %s is over the %s rate limit", self.user_id, limit.name)
        if self.refused_in_a_row > settings.CHAT_RATE_LIMIT_CLOSE_AFTER:
            logger.warning(
                "closing a socket of user %s: it kept sending past its limit", self.user_id
            )
            await self.detach_and_close(CLOSE_RATE_LIMITED)
            return
        detail = f"Over the limit of {limit.frames} {limit.name} in {limit.seconds:g} seconds."
        self.send_event(
            error_event("rate_limited", detail, client_id_of(frame), retry_after=retry_after)
        )

    # The protocol: one handler per frame type the client may send (docs/websocket.md).

    @handles("message.send", limit=message_limit, after_sends=False)
    async def handle_message_send(self, frame: dict) -> None:
        """Read on at once: the send's outcome comes back when the batcher has stored it."""
        request = SendRequest(
            self.scope["user"],
            frame.get("room"),
            frame.get("body"),
            frame.get("client_id"),
            frame.get("reply_to"),
            frame.get("attachments"),
        )
        await self.sends.submit(request, client_id_of(frame))

    @handles("auth.refresh")
    async def handle_auth_refresh(self, frame: dict) -> None:
        reauthenticate = self.scope.get("reauthenticate")
        if reauthenticate is None:
            raise Invalid("This server authenticates sockets by session; nothing to refresh.")
        token = frame.get("token")
        if not isinstance(token, str) or not token:
            raise Invalid('"token" must be a non-empty string.')
        identity = await reauthenticate(token)
        if identity is None:
            raise Invalid("The credential was rejected.")
        if identity.user.pk != self.scope["user"].pk:
            raise Forbidden("The credential belongs to another user.")
        self.credential_id = identity.credential_id
        self.credentials_version = identity.user.credentials_version
        self.expiry.expire_at(identity.expires_at)
        self.send_event({"type": "auth.refreshed", "expires_at": identity.expires_at})

    @handles("message.edit")
    async def handle_message_edit(self, frame: dict) -> None:
        """Answered by the room's `message.updated`, this socket's included."""
        await database_sync_to_async(edit_message)(
            self.scope["user"], frame.get("message"), frame.get("body")
        )

    @handles("message.delete")
    async def handle_message_delete(self, frame: dict) -> None:
        """Answered by the room's `message.deleted`, this socket's included."""
        await database_sync_to_async(delete_message)(self.scope["user"], frame.get("message"))

    @handles("typing.start")
    async def handle_typing_start(self, frame: dict) -> None:
        """Relayed to the room's other members; not where the other member blocks the user,
        and silently so: a block is not announced to the user blocked."""
        room_id = await self.followed_room(frame)
        if room_id not in self.blocked_in and get_typing_relay().start(self.user_id, room_id):
            await publish_to_room_others(
                room_id, self.user_id, self.typing_event("typing.start", room_id)
            )

    @handles("typing.stop")
    async def handle_typing_stop(self, frame: dict) -> None:
        room_id = await self.followed_room(frame)
        if get_typing_relay().stop(self.user_id, room_id):
            await publish_to_room_others(
                room_id, self.user_id, self.typing_event("typing.stop", room_id)
            )

    async def followed_room(self, frame: dict) -> int:
        """The frame's room, which the user must belong to: as the hub knows it, without a query
        unless the room is not among the socket's (then the database says why)."""
        room_id = clean_id(frame.get("room"), "room")
        if room_id not in get_hub().socket_rooms.get(self, ()):
            await database_sync_to_async(membership_for)(self.scope["user"], room_id)
        return room_id

    def typing_event(self, kind: str, room_id: int) -> dict:
        return {"type": kind, "room": room_id, "user": user_ref(self.scope["user"])}

    @handles("room.read")
    async def handle_room_read(self, frame: dict) -> None:
        """Answered by the `room.read` event to the user's sockets; or, if the cursor was
        already there or past it, by one to this socket alone with where it is."""
        state = await database_sync_to_async(mark_read)(
            self.scope["user"], frame.get("room"), frame.get("message")
        )
        if not state["moved"]:
            self.send_event(read_event(state["room"], self.scope["user"], state["message"]))

    @handles("reaction.add")
    async def handle_reaction_add(self, frame: dict) -> None:
        """Answered by the room's `reaction.added`; nothing if the reaction was there already."""
        await database_sync_to_async(add_reaction)(
            self.scope["user"], frame.get("message"), frame.get("emoji")
        )

    @handles("reaction.remove")
    async def handle_reaction_remove(self, frame: dict) -> None:
        """Answered by the room's `reaction.removed`; nothing if there was no such reaction."""
        await database_sync_to_async(remove_reaction)(
            self.scope["user"], frame.get("message"), frame.get("emoji")
        )

    # Answers to sends, from the send pipeline.

    def answer_stored(self, stored: Stored) -> None:
        # Stored, not merely sent: a send refused leaves the others showing the typist.
        get_typing_relay().message_sent(self.user_id, stored.message.room_id)
        if not stored.echoed:
            # The room's event did not ack this send (a resend, say): ack this socket itself.
            self.send_event(message_event("message.new", stored.message))

    def answer_refused(self, error: ChatError, client_id: str | None) -> None:
        self.send_error(error.code, error.message, client_id)

    def answer_failed(self, client_id: str | None) -> None:
        self.send_error("unavailable", STORE_FAILED, client_id)

    def revoke(self, credential_id: str | None) -> None:
        """The hub's call when a credential of the user ends (logout, password change...):
        close with 4401 if the socket was opened with it, or whatever it was opened with if None.
        """
        if credential_id is None or credential_id == self.credential_id:
            self.expiry.revoke()

    def profile_changed(self, fields: dict) -> None:
        """The hub's call when the user's profile changes (in another tab, in the admin): the
        messages and typing this socket sends from now on name them as they are now."""
        for field, value in fields.items():
            setattr(self.scope["user"], field, value)

    def send_event(self, event: dict) -> None:
        self.push((encode(event),))

    def send_error(self, code: str, detail: str, client_id: str | None = None) -> None:
        self.send_event(error_event(code, detail, client_id))
