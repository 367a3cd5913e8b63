"""Gaps in a room's messages as a process receives them: the channel layer delivers at most once.

Redis pub/sub keeps nothing for a subscriber that is reconnecting, and the layer watch notices
only on its next round. Every message carries its room's `seq`, so the hub sees a number
skipped. Two processes storing messages in one room may publish them slightly out of order,
so a number missing is only a gap once the room's next event has come without it: then every
local socket of the room is told to catch up (`room.resync`).
"""

# A gap this wide is not waited for: the sockets catch up at once.
MAX_AWAITED = 1000


class RoomSequences:
    def __init__(self):
        # Per room followed: the highest seq received, and the ones skipped on the way there.
        self.highest: dict[int, int] = {}
        self.missing: dict[int, set[int]] = {}

    def received(self, room_id: int, seq: int) -> bool:
        """Record a message's seq; whether the room's sockets must catch up (a gap confirmed)."""
        gap = False
        missing = self.missing.pop(room_id, None)
        if missing is not None:
            missing.discard(seq)
            gap = bool(missing)  # an event came after them, and they did not
        highest = self.highest.get(room_id)
        if highest is None or seq > highest:
            self.highest[room_id] = seq
            if highest is not None and seq > highest + 1:
                if seq - highest > MAX_AWAITED:
                    return True
                self.missing[room_id] = set(range(highest + 1, seq))
        elif missing:
            self.missing[room_id] = missing  # a late one came: wait for the rest
            gap = False
        return gap

    def forget(self, room_id: int) -> None:
        """No socket here follows the room any more: its numbers start afresh when one does."""
        self.highest.pop(room_id, None)
        self.missing.pop(room_id, None)
