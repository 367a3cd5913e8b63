"""Presence: a user is online while any socket of theirs is open, in any server process.

Who hears of it: the people who share a room with them, once per change (`presence` events,
online or offline), never per room or per pair. A user whose last socket closes goes offline
CHAT_PRESENCE_OFFLINE_AFTER_SECONDS later, unless a socket of theirs opens meanwhile: then
nobody hears anything. A change costs one channel-layer message, to
the group every server process joins, carrying the user's room ids; each process writes the
event once to each of its sockets in any of those rooms (chat/realtime/hub.py). Rooms of more
than CHAT_PRESENCE_MAX_MEMBERS members are left out: there, members arriving one by one would
cost members squared frames, so who is online is read on request (the member list's `online`).

Where it is kept: with the in-memory layer, in the one process's memory. With Redis, each
process records its users in Redis and keeps a key of its own alive (CHAT_PRESENCE_TTL_SECONDS);
a process that dies without closing its sockets (SIGKILL) lets that key expire, and the next
sweep of a surviving process takes its users offline. So a user is never left online for longer
than the TTL plus one heartbeat. A Redis that restarts empty has each process record its users
again as delivery resumes, before its sockets are asked to fetch what they missed.
"""

import asyncio
import logging
import uuid
from collections import Counter

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from ..models import Membership, Room
from .layer_watch import delivery_resumed_hooks, layer_prefix, layer_redis, uses_redis
from .per_loop import per_loop
from .publish import publish_presence

logger = logging.getLogger(__name__)


class LocalPresence:
    """The in-memory layer: one process holds every socket, so its memory is the truth."""

    def __init__(self):
        self.users: set[int] = set()

    async def arrived(self, user_id: int) -> bool:
        """Record the user's first socket in this process; whether they just came online."""
        self.users.add(user_id)
        return True

    async def departed(self, user_id: int) -> bool:
        """Record that the user's last socket here closed; whether they just went offline."""
        self.users.discard(user_id)
        return True

    async def online(self, user_ids: list[int]) -> set[int]:
        return self.users.intersection(user_ids)

    async def heartbeat(self, recorded: list[int]) -> tuple[list[int], list[int]]:
        return [], []  # nothing else can die, nor forget: this process holds every socket

    async def stay_alive(self, recorded: list[int]) -> list[int]:
        return []


class RedisPresence:
    """Every process shares Redis: a set of processes per user, and a key alive per process."""

    def __init__(self, redis, layer_prefix: str):
        self.redis = redis
        self.process = uuid.uuid4().hex
        self.prefix = f"{layer_prefix}:presence"

    def key(self, *parts) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    async def arrived(self, user_id: int) -> bool:
        return await self.record(user_id, joining=True)

    async def departed(self, user_id: int) -> bool:
        return await self.record(user_id, joining=False)

    async def record(self, user_id: int, joining: bool) -> bool:
        """Add (or remove) this process to the user's, and tell whether no other process has
        them: in one transaction, so two processes changing one user see each other."""
        async with self.redis.pipeline(transaction=True) as pipe:
            change = pipe.sadd if joining else pipe.srem
            change(self.key("user", user_id), self.process)
            change(self.key("process", self.process), user_id)
            pipe.smembers(self.key("user", user_id))
            *_, processes = await pipe.execute()
        return not await self.any_alive(processes, besides=self.process)

    async def any_alive(self, processes, besides: str) -> bool:
        others = [p.decode() if isinstance(p, bytes) else p for p in processes]
        others = [process for process in others if process != besides]
        if not others:
            return False
        return bool(await self.redis.exists(*(self.key("alive", p) for p in others)))

    async def online(self, user_ids: list[int]) -> set[int]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for user_id in user_ids:
                pipe.smembers(self.key("user", user_id))
            memberships = await pipe.execute()
        processes = {p for members in memberships for p in members}
        if not processes:
            return set()
        processes = [p.decode() if isinstance(p, bytes) else p for p in processes]
        alive = await self.redis.mget([self.key("alive", p) for p in processes])
        living = {p for p, flag in zip(processes, alive, strict=True) if flag is not None}
        return {
            user_id
            for user_id, members in zip(user_ids, memberships, strict=True)
            if any((p.decode() if isinstance(p, bytes) else p) in living for p in members)
        }

    async def stay_alive(self, recorded: list[int]) -> list[int]:
        """Keep this process's key alive; found gone, record its users (`recorded`) again, and
        return those back online.

        The key gone means the records may be gone too: Redis restarted empty (no persistence),
        or this process stalled past its TTL and another took its users offline.
        """
        ttl = settings.CHAT_PRESENCE_TTL_SECONDS
        key = self.key("alive", self.process)
        was_alive = await self.redis.set(key, 1, ex=max(1, round(ttl)), get=True)
        await self.redis.sadd(self.key("processes"), self.process)
        if was_alive is not None:
            return []
        return [user_id for user_id in recorded if await self.arrived(user_id)]

    async def heartbeat(self, recorded: list[int]) -> tuple[list[int], list[int]]:
        """Keep this process alive in Redis (stay_alive), and take the users of processes that
        died offline: returns the users who went offline, and those back online.

        Several processes may sweep at once: only the one that claims a dead process (removes
        it from the set) deals with its users.
        """
        back = await self.stay_alive(recorded)
        gone = []
        for process in await self.redis.smembers(self.key("processes")):
            process = process.decode() if isinstance(process, bytes) else process
            if process == self.process or await self.redis.exists(self.key("alive", process)):
                continue
            if not await self.redis.srem(self.key("processes"), process):
                continue  # another process claimed it
            users = await self.redis.smembers(self.key("process", process))
            await self.redis.delete(self.key("process", process))
            for user_id in map(int, users):
                async with self.redis.pipeline(transaction=True) as pipe:
                    pipe.srem(self.key("user", user_id), process)
                    pipe.smembers(self.key("user", user_id))
                    _, remaining = await pipe.execute()
                if not await self.any_alive(remaining, besides=""):
                    gone.append(user_id)
        return gone, back


class Presence:
    """This process's side of presence: counts each user's sockets here, and announces a user
    whose first socket opens or whose last one closes, if that changes them anywhere."""

    def __init__(self):
        if uses_redis():
            self.store = RedisPresence(layer_redis(), layer_prefix())
        else:
            self.store = LocalPresence()
        self.sockets: Counter[int] = Counter()
        # Users whose last socket here closed, each with the task that takes them offline.
        self.leaving: dict[int, asyncio.Task] = {}
        # Changes are recorded one at a time, in the order sockets open and close.
        self.changing = asyncio.Lock()
        self.beating: asyncio.Task | None = None
        # What a departure waits with; the tests hand in one they end by hand.
        self.wait = asyncio.sleep
        if uses_redis():
            # Redis back from an outage may have lost this process's users.
            delivery_resumed_hooks().append(self.record_again)

    async def socket_opened(self, user, room_ids) -> None:
        if not settings.CHAT_PRESENCE:
            return
        async with self.changing:
            if self.beating is None:
                # Users of a process that the store does not yet know to be alive count as
                # offline: the first beat comes before the first arrival.
                await self.beat()
                self.beating = asyncio.create_task(self.beat_forever())
            self.sockets[user.pk] += 1
            leaving = self.leaving.pop(user.pk, None)
            if leaving is not None:
                leaving.cancel()  # back before going offline: they never left
                return
            if self.sockets[user.pk] == 1 and await self.store.arrived(user.pk):
                await publish_presence(user_ref(user), "online", await told_rooms(room_ids))

    async def socket_closed(self, user, room_ids) -> None:
        if not settings.CHAT_PRESENCE:
            return
        async with self.changing:
            self.sockets[user.pk] -= 1
            if self.sockets[user.pk] > 0:
                return
            del self.sockets[user.pk]
            after = settings.CHAT_PRESENCE_OFFLINE_AFTER_SECONDS
            if after > 0:
                self.leaving[user.pk] = asyncio.create_task(
                    self.depart_after(after, user, room_ids)
                )
            else:
                await self.depart(user, room_ids)

    async def depart_after(self, seconds: float, user, room_ids) -> None:
        await self.wait(seconds)
        async with self.changing:
            if self.leaving.get(user.pk) is not asyncio.current_task():
                return
            del self.leaving[user.pk]
            try:
                await self.depart(user, room_ids)
            except Exception:
                # Redis unreachable, say: logged, as a socket closing at once would fail.
                logger.warning("presence could not record a departure", exc_info=True)

    async def depart(self, user, room_ids) -> None:
        if await self.store.departed(user.pk):
            await publish_presence(user_ref(user), "offline", await told_rooms(room_ids))

    async def beat_forever(self) -> None:
        while True:
            await asyncio.sleep(settings.CHAT_PRESENCE_HEARTBEAT_SECONDS)
            # In turn with the sockets' changes: a user recorded again as their departure is
            # recorded would stay online for good.
            async with self.changing:
                await self.beat()

    async def beat(self) -> None:
        try:
            await self.announce(*await self.store.heartbeat(self.recorded()))
        except Exception:
            # Redis unreachable, say: the layer watch tells the sockets; try again later.
            logger.warning("presence heartbeat failed", exc_info=True)

    async def record_again(self) -> None:
        """Delivery resumed (chat/realtime/layer_watch.py): if Redis forgot this process's
        users, record them again, before their rooms' sockets are asked to resync."""
        if not settings.CHAT_PRESENCE:
            return
        async with self.changing:
            try:
                await self.announce([], await self.store.stay_alive(self.recorded()))
            except Exception:
                logger.warning("presence could not record its users again", exc_info=True)

    def recorded(self) -> list[int]:
        """The users this process has recorded: those about to go offline still are."""
        return [*self.sockets, *self.leaving]

    async def announce(self, gone: list[int], back: list[int]) -> None:
        for status, user_ids in (("offline", gone), ("online", back)):
            for user_id, username, room_ids in await users_and_their_rooms(user_ids):
                await publish_presence({"id": user_id, "username": username}, status, room_ids)


def user_ref(user) -> dict:
    return {"id": user.pk, "username": user.username}


def rooms_up_to_presence_size(room_ids) -> list[int]:
    """Those of the rooms with at most CHAT_PRESENCE_MAX_MEMBERS members: one query, which
    reads no further into a room's members than the one past that, however large the room
    (counting them all cost a user in rooms of 5,000 and 1,000 members 0.9 ms a connect)."""
    if not room_ids:
        return []
    limit = settings.CHAT_PRESENCE_MAX_MEMBERS
    one_too_many = Membership.objects.filter(room=OuterRef("pk")).order_by()[limit : limit + 1]
    small = Room.objects.filter(pk__in=room_ids).exclude(Exists(one_too_many))
    return list(small.values_list("pk", flat=True))


told_rooms = database_sync_to_async(rooms_up_to_presence_size)


@database_sync_to_async
def users_and_their_rooms(user_ids: list[int]) -> list[tuple[int, str, list[int]]]:
    """(id, username, room ids told of their presence) of users whose presence a heartbeat
    changed (their process died, or Redis forgot them): one query each, whatever the number."""
    if not user_ids:
        return []
    rooms: dict[int, list[int]] = {user_id: [] for user_id in user_ids}
    memberships = list(
        Membership.objects.filter(user_id__in=user_ids).values_list("user_id", "room_id")
    )
    told = set(rooms_up_to_presence_size([room_id for _, room_id in memberships]))
    for user_id, room_id in memberships:
        if room_id in told:
            rooms[user_id].append(room_id)
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    return [(user_id, names[user_id], rooms[user_id]) for user_id in user_ids if user_id in names]


# One per event loop, like the hub: a server process has one loop.
get_presence = per_loop(Presence)


async def online_among(user_ids: list[int]) -> set[int] | None:
    """Which of these users are online; None when presence is off (CHAT_PRESENCE)."""
    if not settings.CHAT_PRESENCE:
        return None
    return await get_presence().store.online(user_ids)


# For REST views, which run in a thread of the server's loop.
online_among_sync = async_to_sync(online_among)
