"""Frames as a client sends and reads them, for the socket tests."""


def send_frame(room, body="hello", client_id="c-1") -> dict:
    return {"type": "message.send", "room": room.pk, "body": body, "client_id": client_id}


async def bodies_received(socket, count: int) -> list[str]:
    """The bodies of the socket's next `count` frames, which must be messages."""
    frames = [await socket.receive_json_from() for _ in range(count)]
    assert all(frame["type"] == "message.new" for frame in frames), frames
    return [frame["message"]["body"] for frame in frames]


# A frame the server cannot parse: it answers with an error, and nothing else.
PROBE = "{probe: not json"


async def assert_nothing_on_its_way(socket) -> None:
    """Assert that no frame was on its way to the socket, without waiting for one.

    The socket sends a frame the server cannot parse and reads the error it answers. A reply
    goes out behind every frame already queued for the socket, so that error comes first only
    if nothing else was queued: the proof of an absence is a frame that must come after.
    Call it once the event that must not reach the socket was delivered to the sockets that
    should have it (the hub pushes an event to all the sockets of a room at once).
    """
    await socket.send_to(text_data=PROBE)
    frame = await socket.receive_json_from()
    assert (frame["type"], frame.get("code"), frame.get("ref")) == ("error", "invalid", None), (
        f"a frame was on its way before the probe's answer: {frame}"
    )
