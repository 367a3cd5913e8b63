"""The Origin check on WebSocket handshakes (against cross-site WebSocket hijacking).

Channels' OriginValidator decides; only the refusal differs. Channels refuses with a consumer
that opens a channel-layer channel of its own and waits on it until the client leaves: with
the Redis layer, one Redis receive per refused handshake, whose cancellation redis-py can
swallow, so that it never ends. This refusal uses no channel layer.
"""

import logging
from urllib.parse import urlparse

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator

logger = logging.getLogger(__name__)


class RefuseHandshake(AsyncWebsocketConsumer):
    channel_layer_alias = None

    async def connect(self):
        await self.close()  # before accepting: the client gets HTTP 403


class CheckOrigin(OriginValidator):
    async def __call__(self, scope, receive, send):
        if self.valid_origin(origin_of(scope)):
            return await self.application(scope, receive, send)
        # The server's log says why (uvicorn's own line says only 403): a page of the site
        # refused this way is a misconfiguration to see at once.
        logger.warning(
            "WebSocket handshake refused (403): Origin %r is not allowed "
            "(DJANGO_WEBSOCKET_ALLOWED_ORIGINS; by default the hosts' own pages)",
            origin_header(scope),
        )
        return await RefuseHandshake()(scope, receive, send)


def origin_header(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin1")
    return None


def origin_of(scope):
    """The handshake's Origin header, parsed; None if it has none that parses."""
    header = origin_header(scope)
    if header is None:
        return None
    try:
        origin = urlparse(header)
        # Read now: urlparse leaves a bad port ("http://a:b") to raise where Channels reads
        # it, which made the handshake a 500.
        origin.port  # noqa: B018
    except ValueError:  # "http://[", "http://host:99999": not a URL at all
        return None
    return origin
