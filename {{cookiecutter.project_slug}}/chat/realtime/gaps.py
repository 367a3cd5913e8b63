"""Gaps in a room's messages as a process receives them: the channel layer delivers at most once.

Redis pub/sub keeps nothing for a subscriber that is reconnecting, and the layer watch notices
only on its next round. Every message carries its room's `seq`, and every change to a stored
message its room's change number, so the hub sees a number skipped (one RoomSequences each).
Two processes storing messages in one room may publish them slightly out of order, so a number
missing is only a gap once the room's next layer message has come without it: then every local
socket of the room is told to catch up (`room.resync`). A message lost when no other follows
(its process died between storing and publishing it, or the layer dropped the room's last
event) shows no gap that way: the hub also compares, every CHAT_STORED_CHECK_SECONDS, the rooms'
numbers as stored with those received (stored_up_to).
"""

# A gap this wide is not waited for: the sockets catch up at once.
MAX_AWAITED = 1000


class RoomSequences:
    def __init__(self):
        # Per room followed: the highest seq received, and the ones skipped on the way there.
        self.highest: dict[int, int] = {}
        self.missing: dict[int, set[int]] = {}
        # Per room followed: its newest number as stored, at the last look at the database.
        self.stored: dict[int, int] = {}

    def received(self, room_id: int, seqs: list[int]) -> bool:
        """Record the seqs of one layer message (one process's events for the room, numbered
        in a row); whether the room's sockets must catch up (a gap confirmed).

        A number is awaited until the next layer message for the room, not the next event:
        the events of another process's batch, published before an earlier number of this
        one's, come together, and would otherwise confirm its absence among themselves."""
        missing = self.missing.pop(room_id, set())
        highest = self.highest.get(room_id)
        top = max(seqs)
        if highest is not None and top <= highest:
            # A late one: the numbers still awaited stay awaited.
            if still_missing := missing.difference(seqs):
                self.missing[room_id] = still_missing
            return False
        self.highest[room_id] = top
        gap = bool(missing.difference(seqs))  # a later message came, and they did not
        if highest is not None:
            if top - highest > MAX_AWAITED:
                return True
            if skipped := set(range(highest + 1, top)).difference(seqs):
                self.missing[room_id] = skipped
        return gap

    def stored_up_to(self, room_id: int, last_seq: int) -> bool:
        """Record the room's newest number as stored (a look at the database); whether the
        room's sockets must catch up: a number stored at the look before has still not come.
        One look apart, as a message just stored is on its way."""
        highest = self.highest.get(room_id)
        stored_before = self.stored.get(room_id)
        self.stored[room_id] = last_seq
        if highest is None:
            # Nothing received yet: what is stored so far is history the sockets have read.
            self.highest[room_id] = last_seq
            return False
        if stored_before is None or stored_before <= highest:
            return False
        # The catch-up fetches them: they are awaited no more.
        self.highest[room_id] = stored_before
        self.missing.pop(room_id, None)
        return True

    def forget(self, room_id: int) -> None:
        """No socket here follows the room any more: its numbers start afresh when one does."""
        self.highest.pop(room_id, None)
        self.missing.pop(room_id, None)
        self.stored.pop(room_id, None)
