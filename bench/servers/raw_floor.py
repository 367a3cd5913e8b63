"""The floor: a broadcast server on the `websockets` library alone.

No framework, no authentication, no storage. A client names its user and rooms in the
query string (`/?user=3&room=7`); a frame `{"room", "body", "client_id"}` is encoded
once and written to every socket in the room, the sender's included. It speaks the
generated project's wire format, so the benchmark's clients drive both alike.
"""

import asyncio
import json
import sys
from collections import defaultdict
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import broadcast, serve

sockets_by_room: dict[int, set] = defaultdict(set)


async def chat(socket):
    query = parse_qs(urlsplit(socket.request.path).query)
    user = int(query["user"][0])
    rooms = [int(room) for room in query.get("room", [])]
    for room in rooms:
        sockets_by_room[room].add(socket)
    try:
        async for text in socket:
            frame = json.loads(text)
            event = {
                "type": "message.new",
                "message": {
                    "room": frame["room"],
                    "sender": {"id": user},
                    "body": frame["body"],
                    "client_id": frame["client_id"],
                },
            }
            broadcast(sockets_by_room[frame["room"]], json.dumps(event))
    finally:
        for room in rooms:
            sockets_by_room[room].discard(socket)


async def main(port: int) -> None:
    async with serve(chat, "127.0.0.1", port, compression=None, max_size=2**20):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
