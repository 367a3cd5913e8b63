"""The Origin check on WebSocket handshakes (against cross-site WebSocket hijacking).

Channels' OriginValidator decides; only the refusal differs. Channels refuses with a consumer
that opens a channel-layer channel of its own and waits on it until the client leaves: with
the Redis layer, one Redis receive per refused handshake, whose cancellation redis-py can
swallow, so that it never ends. This refusal uses no channel layer.
"""

from urllib.parse import urlparse

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.security.websocket import OriginValidator


class RefuseHandshake(AsyncWebsocketConsumer):
    channel_layer_alias = None

    async def connect(self):
        await self.close()  # before accepting: the client gets HTTP 403


class CheckOrigin(OriginValidator):
    async def __call__(self, scope, receive, send):
        if self.valid_origin(origin_of(scope)):
            return await self.application(scope, receive, send)
        return await RefuseHandshake()(scope, receive, send)


def origin_of(scope):
    """The handshake's Origin header, parsed; None if it has none that parses."""
    for name, value in scope.get("headers", []):
        if name == b"origin":
            try:
                origin = urlparse(value.decode("latin1"))
                # Read now: urlparse leaves a bad port ("http://a:b") to raise where Channels
                # reads it, which made the handshake a 500.
                origin.port  # noqa: B018
            except ValueError:  # "http://[", "http://host:99999": not a URL at all
                return None
            return origin
    return None
