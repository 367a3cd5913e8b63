"""The production server: `python -m config.serve --host 0.0.0.0 --port 8000 [uvicorn options]`.

uvicorn, chosen by the template's benchmark, with the options below, on the production
settings unless DJANGO_SETTINGS_MODULE names others. The Dockerfile, the README, the tests
that start a real server and the template's benchmark all start the server this way, so
they all run the same thing. Options given on the command line come after these and win.
"""

import os
import sys

from uvicorn.main import main as uvicorn

# The project's environment, .env included, as the settings read it: the options below are
# settings too, and are read before the settings are.
from config.settings.environment import env

# The largest frame read: a message of CHAT_MAX_MESSAGE_LENGTH (4,000) characters is 48 KB of
# JSON at most (every character escaped as a surrogate pair, as Python's json writes them).
# Every frame is parsed before its rate limit is checked: at 1 MiB, one user's frames of
# numbers held the event loop 57 ms each. Raise it with CHAT_MAX_MESSAGE_LENGTH.
WS_MAX_FRAME_BYTES = env.int("WS_MAX_FRAME_BYTES", default=64 * 1024)

SERVER_OPTIONS = [
    "config.asgi:application",
    # uvicorn's sans-I/O WebSocket protocol, extended to write a room event's frame once for
    # every socket (chat/realtime/uvicorn_protocol.py).
    *("--ws", "chat.realtime.uvicorn_protocol:ChatWebSocketProtocol"),
    # Larger frames close the socket (1009).
    *("--ws-max-size", str(WS_MAX_FRAME_BYTES)),
    # permessage-deflate, which every browser offers, is declined unless WS_PER_MESSAGE_DEFLATE
    # is true: on this protocol's small JSON frames it saves few bytes, and each compressed
    # socket costs a compressor's memory and a compression per frame per socket (README,
    # "Benchmark"). OWASP's WebSocket guidance also advises against it unless needed.
    *("--ws-per-message-deflate", str(env.bool("WS_PER_MESSAGE_DEFLATE", default=False)).lower()),
    # Heartbeats: a client that stops answering pings is closed within 40 s, so a vanished
    # network path does not hold a socket (and its user's presence) open for ever.
    *("--ws-ping-interval", "20", "--ws-ping-timeout", "20"),
    # No lifespan events: nothing in the project starts or stops with the process.
    *("--lifespan", "off"),
    # The client's address and scheme from X-Forwarded-For/-Proto, trusted only from the
    # addresses in FORWARDED_ALLOW_IPS (127.0.0.1 by default): set it to your proxy's.
    "--proxy-headers",
    # Requests are not logged one by one; sockets log their own connects and failures.
    "--no-access-log",
]


def main(arguments: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    uvicorn.main(args=[*SERVER_OPTIONS, *arguments], prog_name="python -m config.serve")


if __name__ == "__main__":
    main(sys.argv[1:])
