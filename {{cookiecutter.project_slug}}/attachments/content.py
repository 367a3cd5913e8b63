"""What a file is, from its content: its first bytes and, for images, Pillow's own parsers.

Never from its name or the content type the client sent: a renamed executable is still an
executable. Only the types this module recognises can be allowed (ATTACHMENTS_ALLOWED_TYPES).
"""

import codecs

from PIL import Image, UnidentifiedImageError

# Image formats Pillow opens for us, by the content type each is served as.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
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
            with Image.open(file, formats=list(IMAGE_FORMATS.values())) as image:
                return next(key for key, value in IMAGE_FORMATS.items() if value == image.format)
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
