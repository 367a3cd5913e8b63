"""Fixtures of the attachments tests: files of every kind, uploads, a storage of their own."""

import io

import pytest
from PIL import Image

from attachments.models import Attachment

# The first bytes of executables, the files a renamed upload most often hides.
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x00\x10\x40\x00" * 16
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# EXIF tags: the camera's make, and the orientation "rotate 90 degrees clockwise to view".
EXIF_MAKE, EXIF_ORIENTATION = 0x010F, 0x0112


def image_bytes(fmt: str = "PNG", size=(64, 32), *, orientation: int | None = None) -> bytes:
    """An image with EXIF metadata (a camera make, and an orientation if given)."""
    exif = Image.Exif()
    exif[EXIF_MAKE] = "SecretCam"
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    content = io.BytesIO()
    Image.new("RGB", size, "teal").save(content, format=fmt, exif=exif.tobytes())
    return content.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Attachments stored in a directory of this test's: returns it."""
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location},
        },
    }
    return location


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


@pytest.fixture
def upload(as_user):
    """upload(user, room, content, name=...) -> the response to a multipart upload."""

    def post(user, room, content: bytes, name: str = "file.bin"):
        file = io.BytesIO(content)
        file.name = name  # the test client sends the content type its extension suggests
        return as_user(user).post(
            f"/api/rooms/{room.pk}/attachments/", {"file": file}, format="multipart"
        )

    return post


@pytest.fixture
def uploaded(upload):
    """uploaded(user, room, content=a PNG) -> the Attachment the user uploaded."""

    def make(user, room, content: bytes | None = None, name: str = "photo.png") -> Attachment:
        response = upload(user, room, image_bytes() if content is None else content, name)
        assert response.status_code == 201, response.data
        return Attachment.objects.get(pk=response.data["id"])

    return make
