"""What a file is, from its content: its first bytes and, for images, Pillow's own parsers.

Never from its name or the content type the client sent: a renamed executable is still an
executable. Only the types this module recognises can be allowed (ATTACHMENTS_ALLOWED_TYPES).
"""

import codecs
import warnings
from contextlib import contextmanager

from PIL import Image, UnidentifiedImageError

# Image formats Pillow opens for us, by the content type each is served as.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
# Pillow's JPEG parser names a JPEG that declares further pictures (a camera's MPO) "MPO".
FORMAT_OF_PARSED = {"MPO": "JPEG"}
# Other types, by the bytes they start with.
SIGNATURES = {"application/pdf": b"%PDF-"}
# Stored names end in the extension of the detected type, so a download is saved as what it is.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}
KNOWN_TYPES = frozenset(EXTENSIONS)
# The extensions a file's name may keep for its type: one saved under any other (a text file
# named invoice.html or run.bat) would be opened by the recipient's system as that.
NAME_EXTENSIONS = {
    **{content_type: (extension,) for content_type, extension in EXTENSIONS.items()},
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt", ".text", ".log", ".md"),
}


class TooManyPixels(ValueError):
    """An image larger than ATTACHMENTS_MAX_PIXELS, or than Pillow agrees to open at all."""


class TooManyFrames(ValueError):
    """An animation of more than ATTACHMENTS_MAX_FRAMES frames."""


@contextmanager
def opened_image(file, formats: list[str]):
    """Pillow's image of the file, read by one of these formats' parsers only.

    Pillow's own guard against decompression bombs warns from 89 million pixels and refuses
    twice that: ATTACHMENTS_MAX_PIXELS (images.py) is the limit here, its refusal a 400.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(file, formats=formats)
        except Image.DecompressionBombError:
            raise TooManyPixels from None
    with image:
        yield image


def detect_type(file) -> str | None:
    """The content type of the file's content, among KNOWN_TYPES, or None. Rewinds the file."""
    try:
        file.seek(0)
        head = file.read(len(max(SIGNATURES.values(), key=len)))
        for content_type, signature in SIGNATURES.items():
            if head.startswith(signature):
                return content_type
        file.seek(0)
        try:
            # Only these formats' parsers may claim the file: each checks its magic bytes.
            with opened_image(file, list(IMAGE_FORMATS.values())) as image:
                parsed = FORMAT_OF_PARSED.get(image.format, image.format)
                return next(key for key, value in IMAGE_FORMATS.items() if value == parsed)
        except TooManyPixels:
            raise
        except (UnidentifiedImageError, OSError, ValueError):
            pass
        file.seek(0)
        return "text/plain" if is_text(file) else None
    finally:
        file.seek(0)


def is_text(file) -> bool:
    """UTF-8 text without NUL bytes: executables and other binaries are full of them."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in iter(lambda: file.read(64 * 1024), b""):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True
