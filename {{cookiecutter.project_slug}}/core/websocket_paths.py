"""The WebSocket handshakes to a path no route serves: refused, as an HTTP 403.

Channels' router raises for such a path, which the ASGI server answers with a 500 and logs
as an error with its traceback: anyone could fill the logs that way, without signing in.
"""


class RefuseUnknownPath:
    """The last WebSocket route: it matches every path, and closes before accepting."""

    async def __call__(self, scope, receive, send) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.close"})
