"""Frames as a client sends and reads them, for the socket tests."""


def send_frame(room, body="hello", client_id="c-1") -> dict:
    return {"type": "message.send", "room": room.pk, "body": body, "client_id": client_id}


async def bodies_received(socket, count: int) -> list[str]:
    """The bodies of the socket's next `count` frames, which must be messages."""
    return [(await socket.receive_json_from())["message"]["body"] for _ in range(count)]
