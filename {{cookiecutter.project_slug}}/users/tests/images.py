"""Real images, made in memory, for the avatar tests."""

import io
import os

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# EXIF tags: the camera's maker, and how to turn the picture upright (6: a quarter turn right).
EXIF_MAKE = 0x010F
EXIF_ORIENTATION = 0x0112


def photo(width: int = 600, height: int = 400, orientation: int | None = None) -> bytes:
    """A JPEG whose left half is red and right half blue, with EXIF as a camera writes it."""
    image = Image.new("RGB", (width, height), "red")
    image.paste("blue", (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Test Camera"
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif.tobytes(), quality=95)
    return output.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 * side**2 bytes."""
    image = Image.frombytes("RGB", (side, side), os.urandom(3 * side * side))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def upload(data: bytes, name: str = "me.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def progressive_jpeg(extra_scans: int) -> bytes:
    """A progressive JPEG (Pillow writes ten scans or so) with its last scan repeated
    `extra_scans` times: scans that each cost a pass over every pixel to decode."""
    encoded = io.BytesIO()
    Image.new("RGB", (64, 32), "teal").save(encoded, format="JPEG", progressive=True)
    data = encoded.getvalue()
    last_scan = data[data.rindex(b"\xff\xda") : -2]  # to the end-of-image marker
    return data[:-2] + last_scan * extra_scans + data[-2:]
