"""The one WebSocket a user's client keeps open: JSON text frames, each with a `type`.

Thin on purpose: parse the frame, call the service layer (which authorises,
stores and publishes), reply. Room events reach the socket through the
process's hub (chat/fanout.py), already encoded.
"""

import asyncio
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import services
from .events import error_event, message_event
from .fanout import encode, get_hub
from .models import Membership

# Application close codes (4000-4999 are free for applications, RFC 6455 7.4.2).
CLOSE_UNAUTHENTICATED = 4401


@database_sync_to_async
def room_ids_of(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("room_id", flat=True))


@database_sync_to_async
def send_message(user, frame: dict) -> tuple[dict, bool]:
    message, created = services.send_message(
        user, frame.get("room"), frame.get("body"), frame.get("client_id")
    )
    return message_event("message.new", message), created


class ChatConsumer(AsyncWebsocketConsumer):
    # Events reach sockets through the process's hub, not one layer channel per socket.
    channel_layer_alias = None
    expiry_task: asyncio.Task | None = None
    attached = False

    async def connect(self):
        user = self.scope["user"]
        # Accept before closing: a close during the handshake reaches the client as a bare
        # HTTP 403, and 4401 tells it to authenticate again rather than to retry.
        await self.accept()
        if not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        await get_hub().attach(self, await room_ids_of(user))
        self.attached = True
        self.close_when_credential_expires(self.scope.get("credential_expires_at"))
        await self.send_event(
            {"type": "session.ready", "user": {"id": user.pk, "username": user.get_username()}}
        )

    async def disconnect(self, code):
        if self.expiry_task is not None:
            self.expiry_task.cancel()
        if self.attached:
            await get_hub().detach(self)

    async def deliver(self, frame: str) -> None:
        """Called by the hub with an event already encoded for every recipient."""
        await self.send(text_data=frame)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            await self.send_error("invalid", "Send JSON text frames, not binary ones.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid", "The frame is not valid JSON.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("invalid", 'A frame is a JSON object with a string "type".')
            return
        handler = self.handlers.get(frame["type"])
        if handler is None:
            await self.send_error("invalid", f"Unknown frame type {frame['type']!r}.")
            return
        await handler(self, frame)

    async def handle_message_send(self, frame: dict) -> None:
        ref = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        try:
            event, created = await send_message(self.scope["user"], frame)
        except services.ChatError as error:
            await self.send_error(error.code, error.message, ref)
            return
        if not created:
            # A resend: the original reached the room already; ack this socket with it.
            await self.send_event(event)

    async def handle_auth_refresh(self, frame: dict) -> None:
        reauthenticate = self.scope.get("reauthenticate")
        if reauthenticate is None:
            await self.send_error(
                "invalid", "This server authenticates sockets by session; nothing to refresh."
            )
            return
        token = frame.get("token")
        if not isinstance(token, str) or not token:
            await self.send_error("invalid", '"token" must be a non-empty string.')
            return
        identity = await reauthenticate(token)
        if identity is None:
            await self.send_error("invalid", "The credential was rejected.")
            return
        if identity.user.pk != self.scope["user"].pk:
            await self.send_error("forbidden", "The credential belongs to another user.")
            return
        self.close_when_credential_expires(identity.expires_at)
        await self.send_event({"type": "auth.refreshed", "expires_at": identity.expires_at})

    handlers = {"message.send": handle_message_send, "auth.refresh": handle_auth_refresh}

    def close_when_credential_expires(self, expires_at: float | None) -> None:
        if self.expiry_task is not None:
            self.expiry_task.cancel()
            self.expiry_task = None
        if expires_at is not None:
            self.expiry_task = asyncio.create_task(self.close_at(expires_at))

    async def close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=encode(event))

    async def send_error(self, code: str, detail: str, ref: str | None = None) -> None:
        await self.send_event(error_event(code, detail, ref))
