"""The production server's WebSocket protocol: uvicorn's sans-I/O one, plus direct frame writes.

A room event goes to every local socket of the room (chat/realtime/hub.py). Through ASGI, each
of those writes is a coroutine, a message dict, an encoding and a framing of the same text. With
this protocol a socket can instead write a frame at once, when nothing stops it going out
now, and a text is framed once for all the connections that do not compress.

It offers that through the ASGI scope's extensions (the mechanism ASGI provides for what a
server adds): `scope["extensions"][WRITE_TEXT_NOW]["write"](text) -> bool`. On any other
server (daphne for runserver, Channels' test communicator) the extension is absent and the
consumer sends through ASGI as usual.

config/serve.py runs uvicorn with it. It leans on uvicorn's private code (the class below, the
METHODS_ and ATTRIBUTES_RELIED_ON), so pyproject.toml pins uvicorn's minor version, and importing
this module checks that the installed uvicorn still has each of them: an upgrade that renames
one fails at start-up, naming it, instead of breaking sockets. Should a direct write still
fail, the socket falls back to the ASGI send (chat/realtime/outbox.py).
"""

import uvicorn
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from .outbox import WRITE_TEXT_NOW

SANS_IO_MODULE = "uvicorn.protocols.websockets.websockets_sansio_impl"
# What ChatWebSocketProtocol uses of uvicorn's class: the methods it extends, and the
# attributes it reads (set by uvicorn's __init__ and handlers).
METHODS_RELIED_ON = ("handle_connect", "start_keepalive")
ATTRIBUTES_RELIED_ON = ("response", "scope", "writable", "conn", "disconnected", "transport")


class IncompatibleUvicorn(ImportError):
    """The installed uvicorn lacks something the production protocol relies on."""

    def __init__(self, missing: str):
        super().__init__(
            f"chat/realtime/uvicorn_protocol.py relies on {missing!r} of uvicorn's private "
            f"{SANS_IO_MODULE}.WebSocketsSansIOProtocol, which the installed uvicorn "
            f"{uvicorn.__version__} does not have. Install the versions in uv.lock "
            "(`uv sync --frozen`), or adapt the protocol to this uvicorn."
        )
        self.missing = missing


def names_in_code(cls: type) -> set[str]:
    """The attribute names the methods of the class and its bases read or set."""
    names = set()
    for klass in cls.__mro__:
        for member in vars(klass).values():
            code = getattr(getattr(member, "__func__", member), "__code__", None)
            if code is not None:
                names.update(code.co_names)
    return names


def missing_from(cls: type) -> list[str]:
    """Which of the methods and attributes relied on the class does not have."""
    used = names_in_code(cls)
    return [name for name in METHODS_RELIED_ON if not callable(getattr(cls, name, None))] + [
        name for name in ATTRIBUTES_RELIED_ON if name not in used
    ]


try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError as error:
    raise IncompatibleUvicorn(f"{SANS_IO_MODULE}.WebSocketsSansIOProtocol") from error
if missing := missing_from(WebSocketsSansIOProtocol):
    raise IncompatibleUvicorn(missing[0])

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

    def start_keepalive(self) -> None:
        super().start_keepalive()
        # Called once the handshake's response has gone out, after which uvicorn never reads it:
        # kept, its headers would be a tenth of an idle socket's memory (bench/socket_memory.py).
        self.response = None

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
