"""Typing indicators: relayed to the room's other members, never stored, at a bounded rate.

A client sends `typing.start` when its user starts typing and again every
CHAT_TYPING_REFRESH_SECONDS while they go on; the others show it for
CHAT_TYPING_TIMEOUT_SECONDS unless refreshed, and drop it at once on `typing.stop` or on the
user's next message. Both timings reach clients in `session.ready`. The relay lets through at
most one start per user and room per refresh interval while the others show it (all the user's
tabs on this process together), one per RESTART_SECONDS once they no longer do (after a stop,
or the user's message), and a stop only after a start it let through.
"""

from django.conf import settings

from accounts.clock import Clock

from .per_loop import per_loop

# Past this many users typing at once, entries of starts gone stale are dropped.
MAX_TRACKED = 10_000
# A start after a stop or a message is news to the others, who dropped the indicator: it goes
# out once this long has passed since the last one (or a refresh interval, if shorter), so that
# the next message shows being typed; a client flapping between start and stop relays two a
# second.
RESTART_SECONDS = 0.5


def typing_timings() -> dict:
    """What clients must follow, as session.ready gives it."""
    return {
        "refresh_seconds": settings.CHAT_TYPING_REFRESH_SECONDS,
        "timeout_seconds": settings.CHAT_TYPING_TIMEOUT_SECONDS,
    }


class TypingRelay:
    def __init__(self, clock: Clock | None = None):
        self.clock = clock or Clock()
        # (user id, room id) -> when a start of theirs was last relayed: kept after a stop,
        # so that alternating starts and stops relay a bounded number of starts.
        self.started: dict[tuple[int, int], float] = {}
        # The (user id, room id) whose relayed start no stop or message has followed yet.
        self.showing: set[tuple[int, int]] = set()

    def start(self, user_id: int, room_id: int) -> bool:
        """Whether to relay this start: not if one went out less than a refresh ago while
        the others still show it, nor less than RESTART_SECONDS ago."""
        now = self.clock.now()
        key = (user_id, room_id)
        last = self.started.get(key)
        refresh = settings.CHAT_TYPING_REFRESH_SECONDS
        wait = refresh if key in self.showing else min(RESTART_SECONDS, refresh)
        if last is not None and now - last < wait:
            return False
        if len(self.started) >= MAX_TRACKED:
            self.drop_stale(now)
        self.started[(user_id, room_id)] = now
        self.showing.add((user_id, room_id))
        return True

    def stop(self, user_id: int, room_id: int) -> bool:
        """Whether to relay this stop: only after a start that went out."""
        if (user_id, room_id) not in self.showing:
            return False
        self.showing.discard((user_id, room_id))
        return True

    def message_sent(self, user_id: int, room_id: int) -> None:
        """A message of the user's is stored there: the others drop the indicator as it
        arrives."""
        self.showing.discard((user_id, room_id))

    def stop_all(self, user_id: int) -> list[int]:
        """The rooms where the user's typing was relayed: their last socket here has closed."""
        rooms = [room for user, room in self.showing if user == user_id]
        for room_id in rooms:
            self.showing.discard((user_id, room_id))
        return rooms

    def drop_stale(self, now: float) -> None:
        """Forget the starts older than the timeout: clients have dropped them already."""
        timeout = settings.CHAT_TYPING_TIMEOUT_SECONDS
        self.started = {key: at for key, at in self.started.items() if now - at < timeout}
        self.showing &= self.started.keys()


# One relay per event loop, like the hub: a server process has one loop.
get_typing_relay = per_loop(TypingRelay)
