"""Per-process fan-out: a server process receives each room event once and writes it to its sockets.

Channels' tutorial gives every socket its own channel-layer channel and group
membership, so one message to a room of N members costs N layer deliveries and
N JSON encodings. Here each process joins a room's group once (while it has a
socket in the room), the event carries the frame already encoded, and the
process writes that same text to each of its local sockets.

Groups: `chat.room.<id>` carries events for a room's members; `chat.user.<id>`
carries membership changes and credential revocations to every socket of one user, in
every process.

The hub never waits on a socket: it pushes the frames, and the socket queues what its
client has not taken yet (chat/realtime/outbox.py), so one slow client cannot stall the room.
A batch of stored sends to a room is pushed as one tuple of frames: to each socket, one write.

Publishing is chat/realtime/publish.py; watching Redis for outages and restarts, which make
the hub re-add its groups, is chat/realtime/layer_watch.py.
"""

import asyncio
import logging
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Sequence
from typing import Protocol

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from ..models import Room
from .frames import encode
from .gaps import RoomSequences
from .history_cuts import readable_frames
from .layer_watch import LayerWatch, credentials_versions, retry_delay, until_cancelled
from .per_loop import per_loop


@database_sync_to_async
def stored_numbers(room_ids: list[int]) -> list[tuple[int, int, int]]:
    """(room id, its newest message's seq, its last change's number) for those of the rooms
    that still exist."""
    rooms = Room.objects.filter(pk__in=room_ids)
    return list(rooms.values_list("pk", "last_seq", "last_change"))


class SocketLimitReached(Exception):
    """The user already has as many sockets as a process holds for one user."""


logger = logging.getLogger(__name__)

# Every process's hub is in this group: presence and profile changes, which concern the
# people who share a room with the user, and the ends of credentials, go to all of them at once.
PRESENCE_GROUP = "chat.presence"
# How long a hub keeps the end of a credential: far longer than a handshake takes.
ENDS_KEPT_SECONDS = 120.0
# How long a hub keeps the membership changes it applied (Hub.changes_since), for the same reason.
CHANGES_KEPT_SECONDS = 120.0
# What a user's sockets follow and hear: their memberships, and who blocks them where.
MEMBERSHIP_CHANGES = ("fanout.join", "fanout.leave", "fanout.blocked")


class Socket(Protocol):
    user_id: int
    # The user's credentials_version when the socket's credential was checked.
    credentials_version: int
    # Room id -> where the user's history starts there, for the rooms where it is not 0.
    history_cuts: dict[int, int]
    # The 1-to-1s whose other member blocks the user.
    blocked_in: set[int]

    def push(self, frames: tuple[str, ...]) -> None:
        """Queue the frames for the client, in order; never waits."""

    def revoke(self, credential_id: str | None) -> None:
        """Close if opened with that credential (None: with any); never waits."""

    def profile_changed(self, fields: dict) -> None:
        """The user's fields as they are now, for the events the socket builds; never waits."""


def room_group(room_id: int) -> str:
    return f"chat.room.{room_id}"


def user_group(user_id: int) -> str:
    return f"chat.user.{user_id}"


class Hub:
    """The sockets of this process, indexed by room and by user, and their layer subscriptions."""

    def __init__(self):
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.rooms: dict[int, set[Socket]] = defaultdict(set)
        self.users: dict[int, set[Socket]] = defaultdict(set)
        self.socket_rooms: dict[Socket, set[int]] = {}
        # User id -> how many sockets of theirs are between expect() and attach(): the user's
        # group stays subscribed for them.
        self.expected: Counter[int] = Counter()
        # Group add/discard for one group must not interleave (Redis may reorder them).
        self.subscriptions = asyncio.Lock()
        self.tasks: list[asyncio.Task] = []
        # The seq of each followed room's messages as they arrive, to notice one that did not.
        self.sequences = RoomSequences()
        # The same for the numbers of changes to stored messages (edits, deletions, reactions).
        self.change_numbers = RoomSequences()
        # Room id -> {socket: cut}, for the sockets of newcomers to rooms hiding their history
        # (chat/realtime/history_cuts.py): only these rooms' events are filtered per socket.
        self.cuts: dict[int, dict[Socket, int]] = {}
        # Watches a Redis layer for outages and restarts; None for the in-memory layer.
        self.watch: LayerWatch | None = None
        # (user id, credential id or None: every credential) -> when it ended, for the ends of
        # the last ENDS_KEPT_SECONDS, and since when this hub hears of every end.
        self.recent_ends: dict[tuple[int, str | None], float] = {}
        # (when this hub applied it, time.monotonic(); the event) of each membership change of
        # the last CHANGES_KEPT_SECONDS, oldest first: a socket whose memberships were read
        # before a change reached the hub, and that attached after, takes the change then.
        self.recent_changes: deque[tuple[float, dict]] = deque()
        self.started_at: float | None = None
        self.starting: asyncio.Future | None = None

    async def start(self) -> None:
        """Listen to the layer, once: callers at the same moment await the one start, and after
        one that failed (Redis down) the next caller tries again."""
        if self.channel is not None:
            return
        if self.starting is None:
            self.starting = asyncio.ensure_future(self.listen())
        starting = self.starting
        try:
            await starting
        finally:
            if self.starting is starting and self.channel is None:
                self.starting = None

    async def listen(self) -> None:
        if self.channel is None:
            channel = await self.layer.new_channel()
            # Made before any group exists, so that no restart goes unseen.
            self.watch = await LayerWatch.made_for(self, channel)
            await self.layer.group_add(PRESENCE_GROUP, channel)
            # Every credential's end reaches this hub from now on (remember_end).
            self.started_at = time.time()
            self.channel = channel
            self.tasks = [
                asyncio.create_task(self.receive_forever()),
                asyncio.create_task(self.check_the_database_forever()),
            ]
            if self.watch is not None:
                self.tasks.append(asyncio.create_task(self.watch.watch_forever()))

    def remember_end(self, user_id: int, credential_id: str | None, at: float) -> None:
        self.recent_ends[(user_id, credential_id)] = at
        self.recent_ends = {
            key: ended for key, ended in self.recent_ends.items() if ended > at - ENDS_KEPT_SECONDS
        }

    def ended_since(self, user_id: int, credential_id: str | None, moment: float) -> bool | None:
        """Whether the credential, or every credential of the user, ended at `moment` or after;
        None if this hub may have missed such an end (it started listening after `moment`)."""
        if self.started_at is None or self.started_at > moment:
            return None
        ends = (
            self.recent_ends.get((user_id, None)),
            self.recent_ends.get((user_id, credential_id)),
        )
        return any(at is not None and at >= moment for at in ends)

    async def expect(self, user_id: int) -> float:
        """Have the user's membership changes reach this hub before a socket of theirs reads its
        memberships; the moment from which they do, for attach(). Every expect() is followed by
        an attach(), or by an unexpect() if the socket is not to attach."""
        async with self.subscriptions:
            await self.start()
            if not self.users.get(user_id) and not self.expected[user_id]:
                await self.layer.group_add(user_group(user_id), self.channel)
            self.expected[user_id] += 1
        return time.monotonic()

    async def unexpect(self, user_id: int) -> None:
        async with self.subscriptions:
            self.expected[user_id] -= 1
            if self.expected[user_id] <= 0:
                del self.expected[user_id]
                if not self.users.get(user_id):
                    await self.leave_group(user_group(user_id))

    async def attach(
        self, socket: Socket, room_ids: Iterable[int], max_per_user: int, read_at: float
    ) -> None:
        """Deliver the rooms' events to the socket from now on; SocketLimitReached if its user
        has `max_per_user` sockets here already, counted under the lock that registers them
        (handshakes at once, each counting before the others were in, all got in).

        `room_ids` (and the socket's history cuts and blocks) were read from the database after
        `read_at`, the moment expect() returned: a membership change that reached the hub since
        may be missing from them, and is applied now (one that committed earlier is in them). A
        ban that committed while a socket opened otherwise left it following the room for good.
        """
        async with self.subscriptions:
            # The expectation ends; the user's group stays for the sockets that now hold it.
            self.expected[socket.user_id] -= 1
            if self.expected[socket.user_id] <= 0:
                del self.expected[socket.user_id]
            if len(self.users.get(socket.user_id, ())) >= max_per_user:
                raise SocketLimitReached  # those sockets keep the group
            try:
                self.users[socket.user_id].add(socket)
                self.socket_rooms[socket] = set()
                for room_id in room_ids:
                    await self.subscribe(socket, room_id)
                for event in self.changes_since(socket.user_id, read_at):
                    await self.catch_up(socket, event)
            except BaseException:
                # The layer failed (Redis down): the socket is refused, so it must not stay.
                await self.forget(socket)
                raise

    async def detach(self, socket: Socket) -> None:
        async with self.subscriptions:
            await self.forget(socket)

    async def forget(self, socket: Socket) -> None:
        for room_id in self.socket_rooms.pop(socket, set()):
            await self.unsubscribe(socket, room_id)
        sockets = self.users.get(socket.user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.users[socket.user_id]
                if not self.expected[socket.user_id]:
                    await self.leave_group(user_group(socket.user_id))

    async def subscribe(self, socket: Socket, room_id: int) -> None:
        if not self.rooms.get(room_id):
            await self.layer.group_add(room_group(room_id), self.channel)
        self.rooms[room_id].add(socket)
        self.socket_rooms[socket].add(room_id)
        self.filter_by_cut(socket, room_id)

    async def follow(self, socket: Socket, room_id: int, cut: int) -> None:
        """Have the socket follow the room, where its user's history starts after message `cut`
        (0: all of it); a socket already following takes the new cut. The caller holds the
        lock."""
        if cut:
            socket.history_cuts[room_id] = cut
        else:
            socket.history_cuts.pop(room_id, None)
        if room_id in self.socket_rooms[socket]:
            self.filter_by_cut(socket, room_id)
        else:
            await self.subscribe(socket, room_id)

    def filter_by_cut(self, socket: Socket, room_id: int) -> None:
        """Filter the room's events for the socket by its user's cut there, if they have one."""
        cuts = self.cuts.setdefault(room_id, {})
        cut = socket.history_cuts.get(room_id)
        if cut:
            cuts[socket] = cut
        else:
            cuts.pop(socket, None)
        if not cuts:
            del self.cuts[room_id]

    async def unsubscribe(self, socket: Socket, room_id: int) -> None:
        sockets = self.rooms.get(room_id)
        if sockets is None:
            return
        sockets.discard(socket)
        self.socket_rooms.get(socket, set()).discard(room_id)
        cuts = self.cuts.get(room_id)
        if cuts is not None and cuts.pop(socket, None) is not None and not cuts:
            del self.cuts[room_id]
        if not sockets:
            del self.rooms[room_id]
            self.sequences.forget(room_id)
            self.change_numbers.forget(room_id)
            await self.leave_group(room_group(room_id))

    async def leave_group(self, group: str) -> None:
        """group_discard, which may fail while Redis is down: the socket leaves all the same.

        Left subscribed, the process gets the group's events, which find no socket here and
        are dropped: cheaper than sockets that cannot close.
        """
        try:
            await self.layer.group_discard(group, self.channel)
        except Exception:
            self.layer_failed()

    async def receive_forever(self) -> None:
        # This task is the process's only way to hear of room events: it must outlive errors,
        # or every socket of the process goes silent.
        failures = 0
        while True:
            try:
                event = await self.receive_event()
            except Exception:
                failures += 1
                self.layer_failed()
                if failures == 1 and not (self.watch and self.watch.down):
                    # The watch logs outages; this is for a receive failing on its own.
                    logger.warning("channel layer receive failed; retrying", exc_info=True)
                await asyncio.sleep(retry_delay(failures))
                continue
            failures = 0
            try:
                await self.dispatch(event)
            except Exception:
                logger.exception("fan-out event %s failed", event.get("type"))

    async def receive_event(self) -> dict:
        """The layer's next event; a cancellation always ends the receive."""
        return await until_cancelled(self.layer.receive(self.channel))

    async def dispatch(self, event: dict) -> None:
        kind = event["type"]
        if kind == "fanout.room":
            await self.to_room(event, (event,))
        elif kind == "fanout.room_batch":
            # A batch of stored sends' events for the room, in order (chat/realtime/publish.py).
            await self.to_room(event, event["events"])
        elif kind == "fanout.room_others":
            frames = (event["frame"],)
            for socket in list(self.rooms.get(event["room"], ())):
                if socket.user_id != event["except_user"]:
                    socket.push(frames)
        elif kind in ("fanout.presence", "fanout.room_mates"):
            # To the people who share one of the rooms with the user, once each, not the user;
            # whether the user is online, not to those they block there.
            told = set()
            presence = kind == "fanout.presence"
            for room_id in event["rooms"]:
                for socket in self.rooms.get(room_id, ()):
                    if not (presence and room_id in socket.blocked_in):
                        told.add(socket)
            frames = (event["frame"],)
            for socket in told:
                if socket.user_id != event["user"]:
                    socket.push(frames)
        elif kind == "fanout.user":
            frames = (event["frame"],)
            for socket in list(self.users.get(event["user"], ())):
                socket.push(frames)
        elif kind == "fanout.revoke":
            self.remember_end(event["user"], event["credential"], event["at"])
            for socket in list(self.users.get(event["user"], ())):
                socket.revoke(event["credential"])
        elif kind == "fanout.profile":
            frames = (event["frame"],)
            for socket in list(self.users.get(event["user"], ())):
                socket.profile_changed(event["fields"])
                socket.push(frames)
        elif kind == "fanout.blocked":
            self.change_blocks(event)
        else:
            await self.change_membership(event)

    async def to_room(self, event: dict, room_events: Sequence[dict]) -> None:
        """A room's events (`fanout.room`, or a `fanout.room_batch` of them) to the room's
        sockets here, as one push; a gap in their seqs, or in their change numbers, resyncs."""
        room_id = event["room"]
        sockets = list(self.rooms.get(room_id, ()))
        reader = event.get("reader")
        if reader is not None:
            # A read receipt: not to the people the reader blocks there (their own tabs, yes).
            sockets = [s for s in sockets if s.user_id == reader or room_id not in s.blocked_in]
        if event.get("closes_room"):
            async with self.subscriptions:
                for socket in sockets:
                    await self.unsubscribe(socket, room_id)
        frames = tuple(room_event["frame"] for room_event in room_events)
        cuts = self.cuts.get(room_id)
        if cuts is None:
            for socket in sockets:
                socket.push(frames)
        else:
            for socket in sockets:
                cut = cuts.get(socket)
                socket.push(frames if cut is None else readable_frames(room_events, cut))
        if not sockets:
            return
        seqs = [event["seq"] for event in room_events if event.get("seq") is not None]
        if seqs and self.sequences.received(room_id, seqs):
            logger.warning("room %s: a message did not arrive; its sockets resync", room_id)
            self.resync(room_id)
        changes = [event["change"] for event in room_events if event.get("change") is not None]
        if changes and self.change_numbers.received(room_id, changes):
            logger.warning("room %s: a change did not arrive; its sockets resync", room_id)
            self.resync(room_id)

    def resync(self, room_id: int) -> None:
        """Ask the room's sockets here to fetch what they missed (docs/websocket.md, Gaps)."""
        frames = (encode({"type": "room.resync", "room": room_id}),)
        for socket in list(self.rooms.get(room_id, ())):
            socket.push(frames)

    async def check_stored_numbers(self) -> None:
        """Compare the followed rooms' newest numbers as stored with those received: a message
        stored, or a change to one, whose event never came, and that no later one revealed,
        resyncs its room."""
        room_ids = [room_id for room_id, sockets in self.rooms.items() if sockets]
        if not room_ids:
            return
        for room_id, last_seq, last_change in await stored_numbers(room_ids):
            if room_id not in self.rooms:
                continue
            # Both looked at, each keeping its own record: one resync for either.
            lost = self.sequences.stored_up_to(room_id, last_seq)
            lost_change = self.change_numbers.stored_up_to(room_id, last_change)
            if lost or lost_change:
                logger.warning(
                    "room %s: a stored %s never arrived; its sockets resync",
                    room_id,
                    "message" if lost else "change",
                )
                self.resync(room_id)

    async def close_the_sockets_of_ended_credentials(self) -> None:
        """Revoke each socket whose user's credentials version is no longer the one its
        credential was checked under, or whose user is gone or inactive.

        Their ends are told to the sockets as they happen, through the channel layer, but one
        made where the layer does not reach goes by: in another process on the in-memory
        layer (`manage.py changepassword`, a shell), or while Redis was unreachable."""
        if not self.users:
            return
        versions = await credentials_versions(list(self.users))
        for user_id, sockets in list(self.users.items()):
            for socket in list(sockets):
                # A socket that attached while the versions were read may hold a newer one.
                version = versions.get(user_id)
                if version is None or version > socket.credentials_version:
                    socket.revoke(None)

    async def check_the_database_forever(self) -> None:
        """What reaches the hub as events, compared with what the database says, now and then:
        an event lost, or never sent to this process, is noticed within
        CHAT_STORED_CHECK_SECONDS."""
        while True:
            await asyncio.sleep(settings.CHAT_STORED_CHECK_SECONDS)
            for check in (self.check_stored_numbers, self.close_the_sockets_of_ended_credentials):
                try:
                    await check()
                except Exception:  # the database out of reach, say: the next look may do
                    logger.warning("%s failed", check.__name__, exc_info=True)

    async def change_membership(self, event: dict) -> None:
        """fanout.join or fanout.leave: (un)subscribe every socket of the user, then tell them."""
        async with self.subscriptions:
            # Under the lock that attaches sockets: one attached meanwhile is among them, or
            # takes the change from recent_changes.
            self.remember_change(event)
            sockets = list(self.users.get(event["user"], ()))
            for socket in sockets:
                await self.move(socket, event)
        frames = (event["frame"],)
        for socket in sockets:
            socket.push(frames)

    async def move(self, socket: Socket, event: dict) -> None:
        """Have one socket follow the room it joined, or stop following the one it left."""
        if event["type"] == "fanout.join":
            await self.follow(socket, event["room"], event.get("history_from", 0))
        else:
            await self.unsubscribe(socket, event["room"])

    def change_blocks(self, event: dict) -> None:
        """fanout.blocked: the user is blocked (or no longer) in a 1-to-1, for every socket."""
        self.remember_change(event)
        for socket in self.users.get(event["user"], ()):
            set_blocked(socket, event)

    def remember_change(self, event: dict) -> None:
        now = time.monotonic()
        self.recent_changes.append((now, event))
        while self.recent_changes[0][0] < now - CHANGES_KEPT_SECONDS:
            self.recent_changes.popleft()

    def changes_since(self, user_id: int, moment: float) -> list[dict]:
        """The user's membership changes this hub applied at `moment` or after, in order."""
        changes = []
        for at, event in reversed(self.recent_changes):
            if at < moment:
                break
            if event["user"] == user_id:
                changes.append(event)
        return changes[::-1]

    async def catch_up(self, socket: Socket, event: dict) -> None:
        """Apply to an attaching socket a change its memberships may have been read without;
        it hears of a join or a leave only if that changes what it follows."""
        if event["type"] == "fanout.blocked":
            set_blocked(socket, event)
            return
        following = event["room"] in self.socket_rooms[socket]
        if following != (event["type"] == "fanout.join"):
            await self.move(socket, event)
            socket.push((event["frame"],))

    def layer_failed(self) -> None:
        """A call to the layer failed: the watch looks at it now rather than on its round."""
        if self.watch is not None:
            self.watch.trouble.set()

    @property
    def delivery_interrupted(self) -> bool:
        """Whether the channel layer is out of reach: others' events do not get here."""
        return self.watch is not None and self.watch.down

    def publish_failed(self, error: Exception) -> None:
        """An event was not published: no other process will deliver it, so delivery is
        interrupted from now on, and the sockets here are told before what they get next."""
        if self.watch is not None:
            self.watch.delivery_interrupted(error)
            self.watch.trouble.set()

    async def add_all_groups(self) -> None:
        """Add this process's channel to every group it needs; the caller holds the lock."""
        groups = [PRESENCE_GROUP, *map(room_group, self.rooms), *map(user_group, self.users)]
        for group in groups:
            await self.layer.group_add(group, self.channel)


def set_blocked(socket: Socket, event: dict) -> None:
    if event["blocked"]:
        socket.blocked_in.add(event["room"])
    else:
        socket.blocked_in.discard(event["room"])


# One hub per event loop: a server process has one loop; each async test has its own.
get_hub = per_loop(Hub)
