"""Publishing: how the domain reaches every socket of a room or of a user, in every process.

The domain calls these once a change has committed (chat/domain/after_commit.py). Each message
carries its frame already encoded, so a room event is encoded once whatever the number of
recipients; each process's hub (chat/realtime/hub.py) writes it to its own sockets.
"""

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from . import history_cuts
from .frames import encode
from .hub import PRESENCE_GROUP, get_hub, room_group, user_group

# The events that number a change to a stored message (Message.change), in the event itself or
# in the message it carries.
CHANGE_EVENTS = {"message.updated", "message.deleted", "reaction.added", "reaction.removed"}


def room_message(room_id: int, event: dict) -> dict:
    message = {"type": "fanout.room", "room": room_id, "frame": encode(event)}
    # The hub checks the room's numbers as they arrive (chat/realtime/gaps.py).
    if event["type"] == "message.new":
        message["seq"] = event["message"]["seq"]
    elif event["type"] in CHANGE_EVENTS:
        message["change"] = event["change"] if "change" in event else event["message"]["change"]
    elif event["type"] == "room.read":
        # The hub keeps a receipt from the people the reader blocks (chat/realtime/hub.py).
        message["reader"] = event["user"]["id"]
    history_cuts.mark(message, event)
    return message


async def publish_to_room(room_id: int, event: dict, *, closes_room: bool = False) -> None:
    """Deliver `event` to every socket following the room, in every process."""
    message = room_message(room_id, event)
    if closes_room:
        message["closes_room"] = True
    await send_to_group(room_group(room_id), message)


# A batch's events for one room travel as one layer message (with Redis, one group_send and
# one receive: eight round trips, bench/layer_cost.py), of at most this many events, so that
# no message grows large.
EVENTS_PER_LAYER_MESSAGE = 100


async def publish_many_to_rooms(events: list[tuple[int, dict]]) -> None:
    """publish_to_room for each (room id, event): each room's in order, and one layer message
    for the room's events of the batch (a batch of stored sends) rather than one each."""
    by_room: dict[int, list[dict]] = {}
    for room_id, event in events:
        by_room.setdefault(room_id, []).append(room_message(room_id, event))
    for room_id, messages in by_room.items():
        for start in range(0, len(messages), EVENTS_PER_LAYER_MESSAGE):
            chunk = messages[start : start + EVENTS_PER_LAYER_MESSAGE]
            if len(chunk) == 1:
                await send_to_group(room_group(room_id), chunk[0])
            else:
                batch = {"type": "fanout.room_batch", "room": room_id, "events": chunk}
                await send_to_group(room_group(room_id), batch)


async def publish_to_room_others(room_id: int, user_id: int, event: dict) -> None:
    """Deliver `event` to the sockets following the room, but for the user's own."""
    message = {
        "type": "fanout.room_others",
        "room": room_id,
        "except_user": user_id,
        "frame": encode(event),
    }
    await send_to_group(room_group(room_id), message)


async def publish_to_user(user_id: int, event: dict) -> None:
    """Deliver `event` to every socket of the user, in every process."""
    await publish_to_users([user_id], event)


async def publish_to_users(user_ids: list[int], event: dict) -> None:
    """Deliver `event` to every socket of each of the users, in every process."""
    frame = encode(event)
    for user_id in user_ids:
        message = {"type": "fanout.user", "user": user_id, "frame": frame}
        await send_to_group(user_group(user_id), message)


async def publish_presence(user: dict, status: str, room_ids: list[int]) -> None:
    """Tell the people who share a room with the user that they are now online or offline:
    one message, to every process, whatever the number of rooms (chat/realtime/presence.py)."""
    message = {
        "type": "fanout.presence",
        "user": user["id"],
        "rooms": room_ids,
        "frame": encode({"type": "presence", "user": user, "status": status}),
    }
    await send_to_group(PRESENCE_GROUP, message)


async def publish_membership(
    user_id: int, room_id: int, joined: bool, event: dict, history_from: int = 0
) -> None:
    """(Un)subscribe every socket of the user, in every process, then deliver `event` to them.
    `history_from`: a joining member's cut (chat/realtime/history_cuts.py)."""
    message = {
        "type": "fanout.join" if joined else "fanout.leave",
        "user": user_id,
        "room": room_id,
        "frame": encode(event),
        "history_from": history_from,
    }
    await send_to_group(user_group(user_id), message)


async def publish_revocation(user_id: int, credential_id: str | None, ended_at: float) -> None:
    """Close the user's sockets opened with that credential (None: all), in every process.

    To every process's hub, not the user's group: each keeps the end a while, for a socket
    whose handshake checked the credential before it ended and that it has not yet registered
    (Hub.ended_since).
    """
    message = {
        "type": "fanout.revoke",
        "user": user_id,
        "credential": credential_id,
        "at": ended_at,
    }
    await send_to_group(PRESENCE_GROUP, message)


async def publish_profile(user_id: int, fields: dict, room_ids: list[int], event: dict) -> None:
    """The user's profile changed: each socket of theirs, in every process, takes `fields` (the
    avatar as its file's name) for the events it builds from here on; they and every socket of
    the people who share one of `room_ids` with the user get `event`."""
    own = {"type": "fanout.profile", "user": user_id, "fields": fields, "frame": encode(event)}
    await send_to_group(user_group(user_id), own)
    await publish_to_room_mates(user_id, room_ids, event)


async def publish_to_room_mates(user_id: int, room_ids: list[int], event: dict) -> None:
    """Deliver `event` once to every socket, but the user's own, following one of `room_ids`
    (the rooms the user shares with others), in every process: one message, as presence."""
    if room_ids:
        message = {"type": "fanout.room_mates", "user": user_id, "rooms": room_ids}
        await send_to_group(PRESENCE_GROUP, {**message, "frame": encode(event)})


async def publish_blocked(user_id: int, room_id: int, blocked: bool) -> None:
    """Tell the user's sockets, in every process, that the other member of their 1-to-1 now
    blocks them (or no longer does): nothing goes to the client, their typing stops being
    relayed there."""
    message = {"type": "fanout.blocked", "user": user_id, "room": room_id, "blocked": blocked}
    await send_to_group(user_group(user_id), message)


async def send_to_group(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        # Every socket lives in this process: hand the event straight to its hub. The
        # in-memory layer would queue it and scan all its groups and channels first,
        # on every send and every receive.
        await get_hub().dispatch(message)
    else:
        # The pub/sub layer publishes one message at a time per Redis, on one connection:
        # a burst of sockets publishing at once (everyone typing in a big room) queues there,
        # never past redis-py's pool cap.
        try:
            await layer.group_send(group, message)
        except Exception as error:
            get_hub().publish_failed(error)
            raise


publish_to_room_sync = async_to_sync(publish_to_room)
publish_many_to_rooms_sync = async_to_sync(publish_many_to_rooms)
publish_membership_sync = async_to_sync(publish_membership)
publish_to_user_sync = async_to_sync(publish_to_user)
publish_to_users_sync = async_to_sync(publish_to_users)
publish_revocation_sync = async_to_sync(publish_revocation)
publish_blocked_sync = async_to_sync(publish_blocked)
publish_profile_sync = async_to_sync(publish_profile)
publish_to_room_mates_sync = async_to_sync(publish_to_room_mates)
