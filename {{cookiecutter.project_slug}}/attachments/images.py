"""Uploaded images made safe to serve: metadata stripped, dimensions read, a thumbnail made."""

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import ImageOps

from .content import IMAGE_FORMATS, TooManyPixels, opened_image


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    width: int
    height: int
    thumbnail: bytes


def process_image(file, content_type: str) -> ProcessedImage:
    """The image re-encoded without its metadata (EXIF: location, camera, ...), and its thumbnail.

    Re-encoding is what strips it: Pillow writes only the pixels and what it is asked to. The
    EXIF orientation is applied first, so the picture still stands the right way up. Raises
    TooManyPixels before decoding an image larger than ATTACHMENTS_MAX_PIXELS, all its frames
    counted (a few kilobytes of PNG can decode to gigabytes), and OSError for an image Pillow
    cannot decode.
    """
    file.seek(0)
    with opened_image(file, [IMAGE_FORMATS[content_type]]) as image:
        # Every frame of an animation is decoded and encoded again: its pixels are all its
        # frames'. A GIF's frames are counted from their headers, none decoded: without this,
        # 35 KB of nearly identical 1500 x 1500 frames took seconds of CPU each upload.
        frames = getattr(image, "n_frames", 1)
        if image.width * image.height * frames > settings.ATTACHMENTS_MAX_PIXELS:
            raise TooManyPixels
        animated = frames > 1
        # Frames of an animation are kept as they are: transposing applies to one frame only.
        upright = image if animated else ImageOps.exif_transpose(image)
        content = io.BytesIO()
        upright.save(content, format=image.format, save_all=animated, **save_options(image))
        thumbnail = upright.copy()
        if thumbnail.mode not in ("RGB", "RGBA"):
            thumbnail = thumbnail.convert("RGBA")
        size = settings.ATTACHMENTS_THUMBNAIL_SIZE
        thumbnail.thumbnail((size, size))
        small = io.BytesIO()
        thumbnail.save(small, format="WEBP", quality=80)
        return ProcessedImage(content.getvalue(), upright.width, upright.height, small.getvalue())


def save_options(image) -> dict:
    # Pillow's default JPEG quality (75) visibly degrades photos; 90 is close to the original.
    return {"quality": 90} if image.format == "JPEG" else {}
