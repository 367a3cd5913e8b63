"""Uploaded images made safe to serve: metadata stripped, dimensions read, a thumbnail made."""

import io
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

from core.image_decoding import decoding_turn, refuse_costly_scans

from .content import FORMAT_OF_PARSED, IMAGE_FORMATS, TooManyFrames, TooManyPixels, opened_image


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
    counted (a few kilobytes of PNG can decode to gigabytes), TooManyFrames before decoding an
    animation of more than ATTACHMENTS_MAX_FRAMES, TooManyScans before decoding a JPEG of more
    than JPEG_MAX_SCANS (core/image_decoding.py), and OSError for an image Pillow cannot decode.
    """
    file.seek(0)
    with decoding_turn(), opened_image(file, [IMAGE_FORMATS[content_type]]) as image:
        # Every frame of an animation is decoded and encoded again: its pixels are all its
        # frames'. A GIF's frames are counted from their headers, none decoded: without this,
        # 35 KB of nearly identical 1500 x 1500 frames took seconds of CPU each upload. (Seeking
        # to the frame past the limit instead would decode every frame before it.)
        frames = getattr(image, "n_frames", 1)
        if frames > settings.ATTACHMENTS_MAX_FRAMES:
            raise TooManyFrames
        if image.width * image.height * frames > settings.ATTACHMENTS_MAX_PIXELS:
            raise TooManyPixels
        refuse_costly_scans(image, file)
        # A JPEG that declares further pictures (a camera's MPO) is stored as its first.
        stored_format = FORMAT_OF_PARSED.get(image.format, image.format)
        animated = frames > 1 and stored_format != "JPEG"
        # Frames of an animation are kept as they are: transposing applies to one frame only.
        # In place: a transposed copy would be a second image of every pixel.
        if not animated:
            ImageOps.exif_transpose(image, in_place=True)
        content = io.BytesIO()
        image.save(content, format=stored_format, save_all=animated, **save_options(stored_format))
        small = io.BytesIO()
        thumbnail(image).save(small, format="WEBP", quality=80)
        return ProcessedImage(content.getvalue(), image.width, image.height, small.getvalue())


def thumbnail(image: Image.Image) -> Image.Image:
    """A new image, at most ATTACHMENTS_THUMBNAIL_SIZE a side, made without copying the full
    one (Image.thumbnail() works in place, on a copy of every pixel)."""
    size = settings.ATTACHMENTS_THUMBNAIL_SIZE
    scale = min(size / image.width, size / image.height, 1)
    fitted = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if image.mode not in ("RGB", "RGBA"):
        # Resampled in colour, not in its own mode (a palette's indexes cannot be averaged),
        # but shrunk to twice the thumbnail first: converted whole, a grey or palette image
        # would take a second copy of every pixel, four times its own size. A palette is
        # shrunk by picking pixels, the rest by averaging them.
        picked = image.mode in ("P", "1")
        near = (min(image.width, 2 * fitted[0]), min(image.height, 2 * fitted[1]))
        shrink = Image.Resampling.NEAREST if picked else Image.Resampling.BOX
        image = image.resize(near, shrink).convert("RGBA")
    # Reduced by a whole factor first, then resampled, as Image.thumbnail() does.
    return image.resize(fitted, Image.Resampling.BICUBIC, reducing_gap=2.0)


def save_options(image_format: str) -> dict:
    # Pillow's default JPEG quality (75) visibly degrades photos; 90 is close to the original.
    return {"quality": 90} if image_format == "JPEG" else {}
