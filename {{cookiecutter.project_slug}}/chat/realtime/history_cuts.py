"""What a member whose history starts after some message may get of a room's events.

A newcomer to a room that hides its history (history_visible off) reads only the messages
after their membership's cut (Membership.history_from). An event about an earlier message (an
edit, a deletion, a reaction) is not theirs, and a message quoting one (a reply) reaches them
without the quote, as their history shows it. publish.py marks each room event with the
message it is about and the one it quotes; the hub (hub.py) gives the few sockets with a cut
what they may read, and every other socket the frames as they are.
"""

from .frames import encode

# Events about one message, whose `message` is its id or its payload.
ABOUT_ONE_MESSAGE = frozenset(
    {"message.updated", "message.deleted", "reaction.added", "reaction.removed"}
)


def mark(layer_message: dict, event: dict) -> None:
    """Add to a room event's layer message what readers with a cut are filtered by."""
    message = event.get("message")
    if event["type"] in ABOUT_ONE_MESSAGE:
        layer_message["about"] = message if isinstance(message, int) else message["id"]
    if isinstance(message, dict) and message.get("reply_to") is not None:
        layer_message["quotes"] = message["reply_to"]["id"]
        layer_message["unquoted"] = encode({**event, "message": {**message, "reply_to": None}})


def readable_frames(room_events, cut: int) -> tuple[str, ...]:
    """The frames of these room events (layer messages) that a reader with this cut may get."""
    frames = []
    for room_event in room_events:
        if room_event.get("about", cut + 1) <= cut:
            continue
        quotes = room_event.get("quotes")
        readable = quotes is None or quotes > cut
        frames.append(room_event["frame"] if readable else room_event["unquoted"])
    return tuple(frames)
