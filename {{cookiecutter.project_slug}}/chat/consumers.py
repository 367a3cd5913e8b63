"""The one WebSocket a user's client keeps open: JSON text frames, each with a `type`.

Thin on purpose: parse the frame, call the service layer (which authorises,
stores and publishes; sends go through the process's writer, chat/writer.py, which
hands the service the sends that arrive together as one batch), reply. Room events
reach the socket through the process's hub (chat/fanout.py), already encoded.

Every frame for the client, room event or reply, is written at once when the server
offers that (chat/uvicorn_protocol.py) and nothing is queued before it; otherwise it goes
through the socket's outbox. So frames reach the client in order and nothing waits on a
slow client but its own writer; a client that falls CHAT_SOCKET_SEND_BUFFER frames
behind is closed.
"""

import asyncio
import json
import logging
import math
from collections import deque
from functools import partial

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from accounts.clock import Clock

from . import services
from .events import error_event, message_event
from .fanout import encode, get_hub, start_eagerly
from .models import Membership
from .rate_limits import Limit, frame_limit, get_rate_limiter, message_limit
from .uvicorn_protocol import WRITE_TEXT_NOW
from .writer import get_writer

logger = logging.getLogger(__name__)

# Application close codes (4000-4999 are free for applications, RFC 6455 7.4.2).
# Not authenticated, or no longer: the credential expired or was revoked (logout).
CLOSE_UNAUTHENTICATED = 4401
# The client fell too far behind; it reconnects and catches up by cursor (docs/websocket.md).
CLOSE_TOO_SLOW = 4408
# The client kept sending past its rate limit, or the user has too many sockets open.
CLOSE_RATE_LIMITED = 4429
# Sends of one socket waiting to be stored before it reads the client's next frame: enough
# to fill a batch, few enough that one client cannot queue unbounded work on the writer.
MAX_SENDS_IN_FLIGHT = 32
STORE_FAILED = "The message could not be stored. Send it again with the same client_id."


def parse_frame(text_data: str | None) -> tuple[dict | None, str | None]:
    """The client's frame, or what is wrong with it."""
    if text_data is None:
        return None, "Send JSON text frames, not binary ones."
    try:
        frame = json.loads(text_data)
    except ValueError:
        return None, "The frame is not valid JSON."
    except RecursionError:
        return None, "The frame is nested too deeply."
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None, 'A frame is a JSON object with a string "type".'
    return frame, None


@database_sync_to_async
def room_ids_of(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("room_id", flat=True))


class ChatConsumer(AsyncWebsocketConsumer):
    # Events reach sockets through the process's hub, not one layer channel per socket.
    channel_layer_alias = None
    # What credential expiry is measured by; tests hand in one they move by hand.
    clock = Clock()
    expiry_task: asyncio.Task | None = None
    # Identifies the credential the socket was opened with (accounts/revocation.py).
    credential_id: str | None = None
    revoked = False
    # Writes the outbox to the client; exists only while the client has a backlog.
    writer: asyncio.Task | None = None
    # Closes the socket when its client has fallen behind.
    closer: asyncio.Task | None = None
    attached = False
    # Set once the socket is on its way out: frames for it are dropped from then on.
    closing = False
    # The server's way to write a frame without the ASGI send (chat/uvicorn_protocol.py).
    write_now = None
    # Frames refused by the rate limit since the last one let through.
    refused_in_a_row = 0
    # Set once the socket is authenticated.
    user_id: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outbox: deque[str] = deque()
        self.sends_in_flight: set[asyncio.Future] = set()
        self.outbox_limit = settings.CHAT_SOCKET_SEND_BUFFER

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
        if len(get_hub().users.get(user.pk, ())) >= settings.CHAT_MAX_SOCKETS_PER_USER:
            logger.warning("refusing a socket of user %s: too many sockets open", user.pk)
            await self.close(code=CLOSE_RATE_LIMITED)
            return
        self.user_id = user.pk
        self.credential_id = self.scope.get("credential_id")
        self.write_now = (self.scope.get("extensions") or {}).get(WRITE_TEXT_NOW, {}).get("write")
        await get_hub().attach(self, await room_ids_of(user))
        self.attached = True
        self.close_when_credential_expires(self.scope.get("credential_expires_at"))
        self.send_event(
            {"type": "session.ready", "user": {"id": user.pk, "username": user.get_username()}}
        )
        logger.info("socket opened for user %s", user.pk)

    async def disconnect(self, code):
        if self.user_id is not None:
            logger.info("socket of user %s closed (%s)", self.user_id, code)
        for task in (self.expiry_task, self.closer):
            if task is not None:
                task.cancel()
        self.stop_writing()
        await self.detach()

    async def detach(self) -> None:
        if self.attached:
            self.attached = False
            # Shielded: cut short (a disconnect cancels the closer), it would leave this
            # socket in the hub's registry.
            await asyncio.shield(get_hub().detach(self))

    def push(self, frame: str) -> None:
        """Queue a frame for the client, without waiting for it to be written.

        The hub calls this for every socket of a room, with the event already encoded.
        """
        if self.closing:
            return
        if self.writer is None:
            if self.write_now is not None and self.written_now(frame):
                return
            self.outbox.append(frame)
            self.writer = start_eagerly(self.write_outbox())
        elif len(self.outbox) < self.outbox_limit:
            self.outbox.append(frame)
        else:
            logger.info("closing a socket of user %s: its client fell behind", self.user_id)
            self.stop_writing()
            self.closer = asyncio.create_task(self.close_too_slow())

    def written_now(self, frame: str) -> bool:
        """Whether the frame is dealt with at once: written by the server, or dropped with the
        socket's outbox because writing failed. If not, it goes through the ASGI send."""
        try:
            return self.write_now(frame)
        except Exception:
            # Like a failed ASGI send: it must not reach the hub, which is pushing to others.
            logger.exception("writing to a socket of user %s failed", self.user_id)
            self.drop_outbox()
            return True

    async def write_outbox(self) -> None:
        try:
            while self.outbox:
                # The ASGI send itself: AsyncWebsocketConsumer.send adds nothing for text.
                await self.base_send({"type": "websocket.send", "text": self.outbox.popleft()})
        except OSError:
            # The client is gone (uvicorn raises ClientDisconnected); its disconnect follows.
            self.drop_outbox()
        except Exception:
            # Whatever failed, it must not reach the hub, which is pushing to other sockets.
            logger.exception("writing to a socket of user %s failed", self.user_id)
            self.drop_outbox()
        finally:
            self.writer = None

    def drop_outbox(self) -> None:
        """Drop the frames queued for the client, and all to come: it catches up by cursor."""
        self.closing = True
        self.outbox.clear()

    def stop_writing(self) -> None:
        """drop_outbox, and cut short the write in progress."""
        self.drop_outbox()
        if self.writer is not None:
            self.writer.cancel()

    async def close_too_slow(self) -> None:
        await self.detach()
        await self.close(code=CLOSE_TOO_SLOW)

    async def close(self, code=None, reason=None):
        # What the client was not sent, it fetches by cursor after reconnecting: the close
        # does not wait behind it (a client that is not reading would hold it forever).
        self.stop_writing()
        await super().close(code, reason)

    async def dispatch(self, message):
        # Channels' own dispatch first hops to a thread to close stale database connections,
        # for every frame. The database work here runs through database_sync_to_async and
        # the writer, which look after their connections, so that hop is pure cost.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None):
        if not self.attached:
            return  # refused at the handshake, or on its way out
        frame, problem = parse_frame(text_data)
        sending = problem is None and frame["type"] == "message.send"
        if await self.over_rate_limit(message_limit() if sending else frame_limit(), frame):
            return
        if sending:
            await self.submit_send(frame)
            return
        # Whatever else the client sent is answered after the sends it sent before it.
        await self.settle_sends()
        handler = None if problem else self.handlers.get(frame["type"])
        if handler is None:
            self.send_error("invalid", problem or f"Unknown frame type {frame['type'][:64]!r}.")
            return
        try:
            await handler(self, frame)
        except Exception:
            # A bug must cost this frame, not the socket: the client is told, and reads on.
            logger.exception("handling a %r frame of user %s failed", frame["type"], self.user_id)
            self.send_error("internal", "The server failed to handle this frame.")

    async def over_rate_limit(self, limit: Limit, frame: dict | None) -> bool:
        """Whether the frame is over the user's limit: then it is answered and dropped, and a
        client that goes on sending CHAT_RATE_LIMIT_CLOSE_AFTER frames regardless is closed."""
        retry_after = await get_rate_limiter().retry_after(limit, self.user_id)
        if retry_after is None:
            self.refused_in_a_row = 0
            return False
        self.refused_in_a_row += 1
        if self.refused_in_a_row == 1:
            logger.info("user %s is over the %s rate limit", self.user_id, limit.name)
        if self.refused_in_a_row > settings.CHAT_RATE_LIMIT_CLOSE_AFTER:
            logger.warning(
                "closing a socket of user %s: it kept sending past its limit", self.user_id
            )
            await self.detach()
            await self.close(code=CLOSE_RATE_LIMITED)
            return True
        detail = f"Over the limit of {limit.frames} {limit.name} in {limit.seconds:g} seconds."
        ref = self.ref_of(frame) if limit.name == "messages" else None
        self.send_event(error_event("rate_limited", detail, ref, retry_after=retry_after))
        return True

    @staticmethod
    def ref_of(frame: dict) -> str | None:
        """The send's client_id, to echo in its answer, when it can be one: never a megabyte."""
        client_id = frame.get("client_id")
        return client_id if isinstance(client_id, str) and len(client_id) <= 64 else None

    async def submit_send(self, frame: dict) -> None:
        """Hand the send to the process's writer and read on: its outcome comes back later.

        A client's sends in a row are thus stored together (one batch, one commit) instead
        of each waiting for the one before; the writer keeps their order.
        """
        if len(self.sends_in_flight) >= MAX_SENDS_IN_FLIGHT:
            await asyncio.wait(self.sends_in_flight, return_when=asyncio.FIRST_COMPLETED)
        request = services.SendRequest(
            self.scope["user"], frame.get("room"), frame.get("body"), frame.get("client_id")
        )
        stored = get_writer().submit(request)
        self.sends_in_flight.add(stored)
        ref = self.ref_of(frame)
        stored.add_done_callback(partial(self.answer_send, ref))

    def answer_send(self, ref: str | None, stored: asyncio.Future) -> None:
        self.sends_in_flight.discard(stored)
        if stored.cancelled():
            return
        if stored.exception() is not None:
            logger.error("storing a message failed", exc_info=stored.exception())
            self.send_error("unavailable", STORE_FAILED, ref)
            return
        outcome = stored.result()
        if isinstance(outcome, services.ChatError):
            self.send_error(outcome.code, outcome.message, ref)
        elif not outcome.echoed:
            # The room's event did not ack this send (a resend, say): ack this socket itself.
            self.send_event(message_event("message.new", outcome.message))

    async def settle_sends(self) -> None:
        if self.sends_in_flight:
            await asyncio.wait(self.sends_in_flight)
            # Their answers are queued callbacks: let them reach the outbox first.
            await asyncio.sleep(0)

    async def handle_auth_refresh(self, frame: dict) -> None:
        reauthenticate = self.scope.get("reauthenticate")
        if reauthenticate is None:
            self.send_error(
                "invalid", "This server authenticates sockets by session; nothing to refresh."
            )
            return
        token = frame.get("token")
        if not isinstance(token, str) or not token:
            self.send_error("invalid", '"token" must be a non-empty string.')
            return
        identity = await reauthenticate(token)
        if identity is None:
            self.send_error("invalid", "The credential was rejected.")
            return
        if identity.user.pk != self.scope["user"].pk:
            self.send_error("forbidden", "The credential belongs to another user.")
            return
        self.credential_id = identity.credential_id
        self.close_when_credential_expires(identity.expires_at)
        self.send_event({"type": "auth.refreshed", "expires_at": identity.expires_at})

    handlers = {"auth.refresh": handle_auth_refresh}

    def close_when_credential_expires(self, expires_at: float | None) -> None:
        if self.revoked:
            return  # a refresh does not undo a logout
        if self.expiry_task is not None:
            self.expiry_task.cancel()
            self.expiry_task = None
        if expires_at is not None:
            self.expiry_task = asyncio.create_task(self.close_at(expires_at))

    async def close_at(self, expires_at: float) -> None:
        await self.clock.sleep_until(expires_at)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    def revoke(self, credential_id: str | None) -> None:
        """The hub's call when a credential of the user ends (logout, password change...):
        close with 4401 if the socket was opened with it, or whatever it was opened with if None.
        """
        if credential_id is None or credential_id == self.credential_id:
            self.close_when_credential_expires(-math.inf)
            self.revoked = True

    def send_event(self, event: dict) -> None:
        self.push(encode(event))

    def send_error(self, code: str, detail: str, ref: str | None = None) -> None:
        self.send_event(error_event(code, detail, ref))
