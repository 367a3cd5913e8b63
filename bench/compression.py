"""What permessage-deflate would save on this protocol's frames, as a browser negotiates it.

    uv run python bench/compression.py

Encodes a typical stream of server-to-client frames (new messages with chat-length bodies,
typing, read receipts, reactions, presence) through websockets' own permessage-deflate
extension, with and without context takeover, and prints the bytes on the wire against the
frames uncompressed and the CPU time compression took. The cost on the server that the
saving must pay for (CPU per delivery and memory per socket, with the compressor each
socket keeps) is measured by `bench/run.py` ("permessage-deflate accepted" rows).
"""

import json
import random
import time

from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode

WORDS = [
    "ok",
    "yes",
    "no",
    "thanks",
    "see",
    "you",
    "tomorrow",
    "lunch",
    "meeting",
    "at",
    "the",
    "usual",
    "place",
    "sounds",
    "good",
    "did",
    "you",
    "push",
    "the",
    "fix",
    "the",
    "build",
    "is",
    "green",
    "again",
    "can",
    "you",
    "review",
    "my",
    "change",
    "later",
    "haha",
    "sure",
    "on",
    "my",
    "way",
    "running",
    "late",
    "five",
    "minutes",
]


def chat_body(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 18)))


def frames(count: int, seed: int = 1) -> list[str]:
    """A room's traffic as one socket receives it: mostly messages, some state events."""
    rng = random.Random(seed)
    users = [{"id": 1000 + n, "username": f"user{n}"} for n in range(20)]
    out = []
    for n in range(count):
        sender = rng.choice(users)
        kind = rng.random()
        if kind < 0.55:
            event = {
                "type": "message.new",
                "message": {
                    "id": 50_000 + n,
                    "room": 42,
                    "seq": 9_000 + n,
                    "sender": sender,
                    "body": chat_body(rng),
                    "created": f"2026-12-01T12:{n // 60 % 60:02}:{n % 60:02}.{n % 999:03}123Z",
                    "edited": None,
                    "deleted": None,
                    "client_id": f"{rng.getrandbits(128):032x}",
                    "reply_to": None,
                    "reactions": [],
                },
            }
        elif kind < 0.75:
            event = {"type": "typing", "room": 42, "user": sender, "state": "start"}
        elif kind < 0.9:
            event = {"type": "room.read", "room": 42, "user": sender, "message": 50_000 + n}
        elif kind < 0.95:
            event = {
                "type": "reaction.added",
                "room": 42,
                "message": 50_000 + n - 1,
                "user": sender,
                "emoji": rng.choice(["👍", "😂", "🎉"]),
                "count": rng.randint(1, 5),
            }
        else:
            event = {
                "type": "presence",
                "user": sender,
                "status": rng.choice(["online", "offline"]),
            }
        out.append(json.dumps(event, separators=(",", ":"), ensure_ascii=False))
    return out


def wire_bytes(payload: bytes) -> int:
    """A server frame's size on the wire: 2 header bytes, 2 more past 125, 8 past 65535."""
    return len(payload) + 2 + (2 if len(payload) > 125 else 0) + (6 if len(payload) > 65535 else 0)


def measure(stream: list[str], context_takeover: bool) -> dict:
    extension = PerMessageDeflate(
        remote_no_context_takeover=not context_takeover,
        local_no_context_takeover=not context_takeover,
        remote_max_window_bits=15,
        local_max_window_bits=15,
    )
    plain = compressed = 0
    started = time.process_time()
    for text in stream:
        frame = Frame(Opcode.TEXT, text.encode())
        plain += wire_bytes(frame.data)
        compressed += wire_bytes(extension.encode(frame).data)
    cpu = time.process_time() - started
    return {
        "plain_bytes_per_frame": plain / len(stream),
        "compressed_bytes_per_frame": compressed / len(stream),
        "saved": 1 - compressed / plain,
        "cpu_us_per_frame": cpu / len(stream) * 1e6,
    }


def main() -> None:
    stream = frames(5_000)
    print("| permessage-deflate | bytes per frame, plain | compressed | saved | CPU per frame |")
    print("|---|---|---|---|---|")
    for takeover, label in (
        (True, "context takeover (browsers' default)"),
        (False, "no context takeover"),
    ):
        result = measure(stream, takeover)
        print(
            f"| {label} | {result['plain_bytes_per_frame']:.0f} | "
            f"{result['compressed_bytes_per_frame']:.0f} | {result['saved']:.0%} | "
            f"{result['cpu_us_per_frame']:.1f} us |"
        )


if __name__ == "__main__":
    main()
