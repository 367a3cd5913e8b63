"""The production server's WebSocket protocol: uvicorn's sans-I/O one, plus direct frame writes.

A room event goes to every local socket of the room (chat/fanout.py). Through ASGI, each of
those writes is a coroutine, a message dict, an encoding and a framing of the same text. With
this protocol a socket can instead write a frame at once, when nothing stops it going out
now, and a text is framed once for all the connections that do not compress.

It offers that through the ASGI scope's extensions (the mechanism ASGI provides for what a
server adds): `scope["extensions"][WRITE_TEXT_NOW]["write"](text) -> bool`. On any other
server (daphne for runserver, Channels' test communicator) the extension is absent and the
consumer sends through ASGI as usual.

Run it with `uvicorn --ws chat.uvicorn_protocol:ChatWebSocketProtocol` (README, Dockerfile).
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

WRITE_TEXT_NOW = "chat.write_text_now"

# The last text framed and its frame: a room event is the same str object for every socket.
_last_framed: tuple[str | None, bytes] = (None, b"")


def uncompressed_frame(text: str) -> bytes:
    """`text` as one unmasked text frame, as a server sends it without extensions."""
    global _last_framed
    last_text, frame = _last_framed  # one read: another thread may replace it meanwhile
    if last_text is not text:
        frame = Frame(Opcode.TEXT, text.encode()).serialize(mask=False)
        _last_framed = (text, frame)
    return frame


class ChatWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # only then is there an application to tell
            self.scope["extensions"][WRITE_TEXT_NOW] = {"write": self.write_text_now}

    def write_text_now(self, text: str) -> bool:
        """Write `text` as a text frame if it can go out without waiting; False if it cannot.

        It cannot while the client is behind (the transport paused writing) or once the
        connection is no longer open; the caller then sends through ASGI, which waits for
        the client or raises as it would for any send.
        """
        if (
            not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.disconnected
            or self.transport.is_closing()
        ):
            return False
        if self.conn.extensions:
            # Compression keeps a context per connection: this frame is this connection's own.
            self.conn.send_text(text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            self.transport.write(uncompressed_frame(text))
        return True
