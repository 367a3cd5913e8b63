"""Turns per user at uploads: reading and storing a file (decoding an image, above all) holds a
request thread for long, and a process has few. One user's burst of uploads waits on its own
turns instead of taking every thread, with every other user's requests queued behind it."""

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from rest_framework.exceptions import Throttled

_lock = threading.Lock()
_under_way: Counter = Counter()


@contextmanager
def upload_turn(user_id: int) -> Iterator[None]:
    """Held while one of the user's uploads is read and stored; Throttled (429, Retry-After)
    when the user already has UPLOADS_AT_ONCE_PER_USER under way in this process."""
    with _lock:
        if _under_way[user_id] >= settings.UPLOADS_AT_ONCE_PER_USER:
            raise Throttled(
                wait=1, detail="Your other uploads are still under way: send this one after them."
            )
        _under_way[user_id] += 1
    try:
        yield
    finally:
        with _lock:
            _under_way[user_id] -= 1
            if not _under_way[user_id]:
                del _under_way[user_id]
