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


# A progressive JPEG is decoded scan after scan, each pass over every pixel: 170 KB of scans
# that add nothing took 13 s of CPU to decode (1,000 scans of 7,000 x 7,000). Encoders write
# about ten (libjpeg's progressive default); libjpeg-turbo's own tools offer such a limit too.
JPEG_MAX_SCANS = 100
# The bytes that start a scan (SOS). In a JPEG's coded data a 0xFF byte is always followed by
# 0x00 or a restart marker, so these bytes start a real scan or sit in metadata: counting them
# counts every scan, at worst a few more.
START_OF_SCAN = b"\xff\xda"
# Pillow opens a JPEG that declares further pictures (a camera's MPO) as "MPO": JPEG all the same.
JPEG_FORMATS = ("JPEG", "MPO")
CHUNK_BYTES = 1024 * 1024


class TooManyScans(ValueError):
    """A JPEG of more than JPEG_MAX_SCANS scans."""


TOO_MANY_SCANS = (
    f"The JPEG has more than {JPEG_MAX_SCANS} scans (progressive passes): save it again as an "
    "ordinary JPEG."
)


def refuse_costly_scans(image, file) -> None:
    """Raise TooManyScans for a JPEG `image` (opened from `file`, not yet decoded) of more than
    JPEG_MAX_SCANS scans, before decoding it. Leaves the file where it was."""
    if image.format not in JPEG_FORMATS:
        return
    where = file.tell()
    try:
        file.seek(0)
        scans, tail = 0, b""
        while chunk := file.read(CHUNK_BYTES):
            # A marker split across two chunks is counted once: one byte of the last goes on.
            scans += (tail + chunk).count(START_OF_SCAN)
            tail = chunk[-1:]
            if scans > JPEG_MAX_SCANS:
                raise TooManyScans
    finally:
        file.seek(where)
