"""The production server's WebSocket protocol: uvicorn's sans-I/O one, plus direct frame writes.

A room event goes to every local socket of the room (chat/realtime/hub.py). Through ASGI, each
of those writes is a coroutine, a message dict, an encoding and a framing of the same text. With
this protocol a socket can instead write its frames at once, when nothing stops them going out
now: the frames of one push (a batch of stored sends to a room) in one write, framed once for
all the connections that do not compress.

It also holds less per socket than uvicorn's own: its receive queue and writable flag hold
no empty deques (lean_asyncio.py), and the handshake's request and response are let go once
the socket is open: together, a quarter of an idle socket's Python heap (bench/socket_memory.py).

It offers direct writes through the ASGI scope's extensions (the mechanism ASGI provides for
what a server adds): `scope["extensions"][WRITE_TEXTS_NOW]["write"](texts) -> bool`. On any other
server (daphne for runserver, Channels' test communicator) the extension is absent and the
consumer sends through ASGI as usual.

config/serve.py runs uvicorn with it. It leans on uvicorn's private code (the class below, the
METHODS_ and ATTRIBUTES_RELIED_ON), so pyproject.toml pins uvicorn's minor version, and importing
this module checks that the installed uvicorn still has each of them: an upgrade that renames
one fails at start-up, naming it, instead of breaking sockets. Should a direct write still
fail, the socket falls back to the ASGI send (chat/realtime/outbox.py).
"""

import asyncio
import logging

import uvicorn
from uvicorn.protocols.utils import ClientDisconnected
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from .lean_asyncio import LeanEvent, LeanQueue
from .outbox import WRITE_TEXTS_NOW

SANS_IO_MODULE = "uvicorn.protocols.websockets.websockets_sansio_impl"
# What ChatWebSocketProtocol uses of uvicorn's class: the methods it extends, and the
# attributes it reads (set by uvicorn's __init__ and handlers).
METHODS_RELIED_ON = (
    "data_received",
    "handle_connect",
    "start_keepalive",
    "send",
    "send_receive_event_to_app",
    "handle_parser_exception",
)
ATTRIBUTES_RELIED_ON = (
    "frames",
    "curr_msg_data_type",
    "close_sent",
    "response",
    "request",
    "scope",
    "writable",
    "queue",
    "conn",
    "disconnected",
    "transport",
)
# The lean queue and event stand in for asyncio's: each method of asyncio's that uvicorn's
# code names must be one they have. ("join" is left out: uvicorn names it for bytes.join.)
PRIMITIVES = ((asyncio.Queue, LeanQueue), (asyncio.Event, LeanEvent))
NAMED_FOR_OTHER_TYPES = {"join"}


logger = logging.getLogger(__name__)


class IncompatibleUvicorn(ImportError):
    """The installed uvicorn's protocol is not the one the production protocol was made for."""

    def __init__(self, missing: str):
        super().__init__(
            f"chat/realtime/uvicorn_protocol.py relies on uvicorn's private "
            f"{SANS_IO_MODULE}.WebSocketsSansIOProtocol as it was, and the installed uvicorn "
            f"{uvicorn.__version__} differs in {missing!r}: a method or attribute it no longer "
            "has, or a method of asyncio's Queue or Event it now calls that the lean ones "
            "(chat/realtime/lean_asyncio.py) lack. Install the versions in uv.lock "
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
    """Which of the methods and attributes relied on the class does not have, and which
    methods of asyncio's queue and event it names that the lean ones lack."""
    used = names_in_code(cls)
    return (
        [name for name in METHODS_RELIED_ON if not callable(getattr(cls, name, None))]
        + [name for name in ATTRIBUTES_RELIED_ON if name not in used]
        + [
            f"{lean.__name__}.{name}"
            for primitive, lean in PRIMITIVES
            for name in dir(primitive)
            if not name.startswith("_")
            and name in used
            and name not in NAMED_FOR_OTHER_TYPES
            and not hasattr(lean, name)
        ]
    )


try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError as error:
    raise IncompatibleUvicorn(f"{SANS_IO_MODULE}.WebSocketsSansIOProtocol") from error
if missing := missing_from(WebSocketsSansIOProtocol):
    raise IncompatibleUvicorn(missing[0])

# The last texts framed and their frames: the hub pushes one tuple object to every socket.
_last_framed: tuple[tuple[str, ...] | None, bytes] = (None, b"")


def uncompressed_frames(texts: tuple[str, ...]) -> bytes:
    """Each text as an unmasked text frame, as a server sends them without extensions."""
    global _last_framed
    last_texts, frames = _last_framed  # one read: another thread may replace it meanwhile
    if last_texts is not texts:
        frames = b"".join(Frame(Opcode.TEXT, text.encode()).serialize(mask=False) for text in texts)
        _last_framed = (texts, frames)
    return frames


def utf8(frames: list[bytes]) -> bool:
    """Whether a message's frames are UTF-8 text (decoded twice then, each time in well under
    a microsecond for a chat message)."""
    try:
        (frames[0] if len(frames) == 1 else b"".join(frames)).decode()
    except UnicodeDecodeError:
        return False
    return True


class ChatWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.queue = LeanQueue()
        self.writable = LeanEvent()
        self.writable.set()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.handshake_exc is not None and not self.transport.is_closing():
            # A handshake websockets refused as it read it (a header line over 8 KiB: 431; a
            # request line too long: 414; not HTTP): uvicorn gets no request to answer, and
            # the refusal websockets made waited unsent while the client waited for it.
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()

    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # only then is there an application to tell
            self.scope["extensions"][WRITE_TEXTS_NOW] = {"write": self.write_texts_now}

    def start_keepalive(self) -> None:
        super().start_keepalive()
        # Called once the handshake's response has gone out, after which neither uvicorn nor
        # websockets reads it or the request again. websockets' parser keeps the request for
        # the connection's life, so its headers are emptied rather than only let go: kept,
        # the two would be a tenth of an idle socket's memory (bench/socket_memory.py).
        self.response = None
        self.request.headers.clear()
        self.request = None

    async def send(self, message) -> None:
        if message["type"] == "websocket.send" and self.transport.is_closing():
            # uvicorn closed the connection itself (a keepalive ping went unanswered, the
            # client broke the protocol) and has yet to hear that it is lost: the client is
            # gone, as ClientDisconnected (an OSError, as ASGI asks) says. uvicorn would raise
            # the RuntimeError meant for an application that sends after closing, which the
            # outbox logs as a failure: under load, an ERROR per socket whose pings timed out.
            raise ClientDisconnected()
        await super().send(message)

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent and not utf8(self.frames):
            # Closed with 1007 as uvicorn does, but logged in one line: uvicorn logs an ERROR
            # with a traceback, which any client could repeat to flood the logs.
            logger.info("closed a WebSocket from %s: a text frame not in UTF-8", self.client)
            self.frames = []
            self.conn.send_close(1007)
            self.handle_parser_exception()
            return
        super().send_receive_event_to_app()

    def write_texts_now(self, texts: tuple[str, ...]) -> bool:
        """Write each text as a text frame, all in one write, if they can go out without
        waiting; False if they cannot, and then none was written.

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
            # Compression keeps a context per connection: these frames are this connection's own.
            for text in texts:
                self.conn.send_text(text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            self.transport.write(uncompressed_frames(texts))
        return True
