"""Turns at decoding uploaded images: a decoded image holds every pixel in memory (4 bytes each,
200 MB at the attachments' pixel limit), so a process decodes IMAGE_DECODES_AT_ONCE at a time
and a burst of uploads waits its turn rather than exhausting the server's memory."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.conf import settings


@cache
def decoding_slots(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


@contextmanager
def decoding_turn() -> Iterator[None]:
    """Held while an image is decoded and encoded again; waits while every turn is taken."""
    with decoding_slots(settings.IMAGE_DECODES_AT_ONCE):
        yield
