"""A backing service out of reach while a handshake's credential is checked (the session or the
token in the database, the ticket in Redis): the socket is accepted and closed with 1013, Try
Again Later, as the consumer closes one that meets an outage after the check. Left to fail, the
ASGI application answered HTTP 500 and logged a traceback for every handshake of the outage."""

import logging

from .outages import OUTAGES

# RFC 6455's "Try Again Later" (the consumer's CLOSE_TRY_AGAIN_LATER).
CLOSE_TRY_AGAIN_LATER = 1013

logger = logging.getLogger(__name__)


class RefuseHandshakesDuringOutages:
    """`check(past_the_check)` is the credential check (the auth mode's middleware) around what
    comes after it: an outage raised by the check refuses the handshake; one raised later is
    the consumer's to answer, and goes on."""

    def __init__(self, check, after):
        self.checked = check(PastTheCheck(after))

    async def __call__(self, scope, receive, send):
        progress = {"past_the_check": False}
        try:
            return await self.checked({**scope, "handshake_progress": progress}, receive, send)
        except OUTAGES as error:
            if progress["past_the_check"]:
                raise
            logger.warning("refusing a handshake: its credential could not be checked (%r)", error)
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})


class PastTheCheck:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        scope["handshake_progress"]["past_the_check"] = True
        return await self.inner(scope, receive, send)
