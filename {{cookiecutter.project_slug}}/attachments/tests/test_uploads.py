"""POST /api/rooms/<id>/attachments/: what is accepted, what is refused, and what is stored."""

import io
import re
import struct
import subprocess
import sys
import zlib
from contextlib import contextmanager

import pytest
from PIL import Image, ImageFile

from attachments import images, uploads
from attachments.models import Attachment
from chat.models import Message
from core.image_decoding import decoding_slots, decoding_turn
from core.upload_turns import upload_turn
from users.tests.images import progressive_jpeg

from .conftest import ELF, EXIF_MAKE, MZ, PDF, image_bytes, stored_files

pytestmark = pytest.mark.django_db


def test_an_image_is_stored_upright_without_its_exif_and_with_a_thumbnail(
    upload, user, room, media, settings
):
    # Orientation 6: the camera held sideways; the stored image is turned as it is shown.
    response = upload(user, room, image_bytes("JPEG", (400, 100), orientation=6), "cat.JPG")
    assert response.status_code == 201, response.data
    attachment = Attachment.objects.get()
    assert response.data == {
        "id": attachment.pk,
        "name": "cat.JPG",
        "content_type": "image/jpeg",
        "size": attachment.size,
        "width": 100,
        "height": 400,
        "url": f"/api/attachments/{attachment.pk}/",
        "thumbnail_url": f"/api/attachments/{attachment.pk}/thumbnail/",
    }
    assert (attachment.room, attachment.uploader, attachment.message) == (room, user, None)
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (100, 400)
        assert EXIF_MAKE not in image.getexif()
        assert b"SecretCam" not in attachment.file.open("rb").read()
    with attachment.thumbnail.open("rb") as stored, Image.open(stored) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert max(thumbnail.size) == settings.ATTACHMENTS_THUMBNAIL_SIZE
    # Stored under a random name (32 URL-safe characters, nothing of "cat.JPG"), with the
    # extension of what the file is.
    assert len(stored_files(media)) == 2
    random_name = r"[\w-]{32}\.jpg"
    assert re.fullmatch(f"attachments/{room.pk}/{random_name}", attachment.file.name)


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (image_bytes("PNG"), "a.png", "image/png"),
        (image_bytes("WEBP"), "a.webp", "image/webp"),
        (image_bytes("GIF"), "a.gif", "image/gif"),
        (PDF, "report.pdf", "application/pdf"),
        ("Grüße, notes\n".encode(), "notes.txt", "text/plain"),
        # The name says nothing: the content does.
        (PDF, "report.png", "application/pdf"),
    ],
)
def test_each_allowed_type_is_recognised_by_its_content(
    upload, user, room, content, name, content_type
):
    response = upload(user, room, content, name)
    assert response.status_code == 201, response.data
    assert response.data["content_type"] == content_type
    assert (response.data["width"] is None) == (not content_type.startswith("image/"))
    assert (response.data["thumbnail_url"] is None) == (not content_type.startswith("image/"))


def assert_refused(response, media, detail: str) -> None:
    assert response.status_code == 400, response.data
    assert detail in response.data["file"][0]
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize("executable", [ELF, MZ], ids=["elf", "mz"])
def test_a_renamed_executable_is_refused_and_nothing_is_stored(
    upload, user, room, media, executable
):
    response = upload(user, room, executable + b"\x00" * 1024, "photo.png")
    assert_refused(response, media, "This type of file is not allowed")


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(
    upload, user, room, media, settings
):
    settings.ATTACHMENTS_MAX_BYTES = 1000
    response = upload(user, room, b"x" * 1001, "big.txt")
    assert_refused(response, media, "over the limit of 1000 bytes")
    assert upload(user, room, b"x" * 1000, "fits.txt").status_code == 201


def test_a_type_left_out_of_the_allow_list_is_refused(upload, user, room, media, settings):
    settings.ATTACHMENTS_ALLOWED_TYPES = ["image/png"]
    assert_refused(upload(user, room, PDF, "a.pdf"), media, "not allowed (allowed: image/png)")


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(
    upload, user, room, media, settings
):
    settings.ATTACHMENTS_MAX_PIXELS = 64 * 32 - 1
    assert_refused(upload(user, room, image_bytes("PNG", (64, 32))), media, "more than")


def animated_gif(size: tuple[int, int], frames: int) -> bytes:
    """A GIF of `frames` frames, each unlike the one before (alike, Pillow would merge them)."""
    first, *rest = [Image.new("RGB", size, (40 * number, 0, 0)) for number in range(frames)]
    content = io.BytesIO()
    first.save(content, format="GIF", save_all=True, append_images=rest)
    return content.getvalue()


@contextmanager
def nothing_decoded():
    """Within it, decoding any image fails the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ImageFile.ImageFile, "load", lambda image: pytest.fail("decoded"))
        yield


def test_an_animation_counts_the_pixels_of_all_its_frames_before_decoding_any(
    upload, user, room, media, settings
):
    settings.ATTACHMENTS_MAX_PIXELS = 64 * 32 * 3  # three frames' worth
    with nothing_decoded():
        assert_refused(upload(user, room, animated_gif((64, 32), 4), "a.gif"), media, "more than")
    response = upload(user, room, animated_gif((64, 32), 3), "b.gif")
    assert response.status_code == 201, response.data
    attachment = Attachment.objects.get(pk=response.data["id"])
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.n_frames == 3


def test_an_animation_of_too_many_frames_is_refused_before_decoding_any(
    upload, user, room, media, settings
):
    """However small its frames: each costs its decoding and encoding."""
    settings.ATTACHMENTS_MAX_FRAMES = 3
    with nothing_decoded():
        assert_refused(upload(user, room, animated_gif((1, 1), 5), "a.gif"), media, "more than 3")
    response = upload(user, room, animated_gif((1, 1), 3), "b.gif")
    assert response.status_code == 201, response.data


def test_an_image_that_comes_out_of_its_encoding_over_the_limit_is_refused(
    upload, user, room, media, settings
):
    # Noise at JPEG quality 20, stored at quality 90: several times the bytes.
    noise = Image.frombytes("L", (128, 128), bytes(range(256)) * 64).convert("RGB")
    sent = io.BytesIO()
    noise.save(sent, format="JPEG", quality=20)
    stored = images.process_image(io.BytesIO(sent.getvalue()), "image/jpeg").content
    settings.ATTACHMENTS_MAX_BYTES = len(stored) - 1
    assert len(sent.getvalue()) <= settings.ATTACHMENTS_MAX_BYTES  # as sent, within the limit
    assert_refused(upload(user, room, sent.getvalue(), "a.jpg"), media, "over the limit")


def test_files_not_yet_sent_are_bounded_per_user(upload, user, bob, room, settings):
    settings.ATTACHMENTS_MAX_UNSENT_BYTES = 10
    assert upload(user, room, b"123456", "a.txt").status_code == 201
    refused = upload(user, room, b"12345", "b.txt")
    assert refused.status_code == 400
    assert "not yet sent" in refused.data["file"][0]
    # Another user's uploads are theirs to count; a sent file no longer counts.
    assert upload(bob, room, b"12345", "c.txt").status_code == 201
    sent = Message.objects.create(room=room, sender=user, body="with a file", client_id="sent")
    Attachment.objects.filter(uploader=user).update(message=sent)
    assert upload(user, room, b"12345", "d.txt").status_code == 201


def test_uploads_sent_at_once_cannot_pass_the_quota_together(
    upload, user, room, settings, monkeypatch, media
):
    """The second upload is stored while the first is being read: each passed the first check
    alone; the first is counted again, with the second in, before its row is written."""
    settings.ATTACHMENTS_MAX_UNSENT_BYTES = 10
    store_files = uploads.store_files
    meanwhile = []

    def another_upload_meanwhile(attachment, file, image):
        store_files(attachment, file, image)
        if attachment.name == "a.txt":
            meanwhile.append(upload(user, room, b"123456", "b.txt"))

    monkeypatch.setattr(uploads, "store_files", another_upload_meanwhile)
    first = upload(user, room, b"123456", "a.txt")
    assert meanwhile[0].status_code == 201
    assert first.status_code == 400
    assert "not yet sent" in first.data["file"][0]
    assert [a.name for a in Attachment.objects.all()] == ["b.txt"]
    assert len(stored_files(media)) == 1  # the refused one's file went with it


def test_a_user_has_a_few_uploads_under_way_at_once_and_others_are_not_held_up(
    upload, user, bob, room, settings
):
    """Reading a file holds a request thread: one user's burst is refused past a few, rather
    than taking every thread while the other users' requests wait behind it."""
    settings.UPLOADS_AT_ONCE_PER_USER = 2
    with upload_turn(user.pk), upload_turn(user.pk):  # two of alice's, still being read
        refused = upload(user, room, b"a third", "c.txt")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert upload(bob, room, b"bob's own", "d.txt").status_code == 201
    assert upload(user, room, b"once they are done", "e.txt").status_code == 201


def test_the_files_one_user_holds_are_bounded_until_they_delete_some(
    upload, user, bob, room, settings
):
    settings.ATTACHMENTS_MAX_BYTES_PER_USER = 10
    sent = Message.objects.create(room=room, sender=user, body="with a file", client_id="sent")
    assert upload(user, room, b"123456", "a.txt").status_code == 201
    Attachment.objects.filter(uploader=user).update(message=sent)
    refused = upload(user, room, b"12345", "b.txt")
    assert refused.status_code == 400
    assert "in all" in refused.data["file"][0]
    assert upload(bob, room, b"12345", "c.txt").status_code == 201
    Attachment.objects.filter(message=sent).delete()  # as deleting the message does
    assert upload(user, room, b"12345", "d.txt").status_code == 201


def test_a_truncated_image_is_refused(upload, user, room, media):
    # Its header says PNG; its pixels stop short.
    content = image_bytes("PNG", (300, 300))
    assert_refused(upload(user, room, content[: len(content) // 2]), media, "cannot be read")


def test_an_empty_or_missing_file_is_refused(upload, as_user, user, room, media):
    assert_refused(upload(user, room, b"", "empty.txt"), media, "empty")
    response = as_user(user).post(f"/api/rooms/{room.pk}/attachments/", {}, format="multipart")
    assert_refused(response, media, '"file"')


def test_a_json_body_is_refused_as_unsupported(as_user, user, room):
    response = as_user(user).post(f"/api/rooms/{room.pk}/attachments/", {}, format="json")
    assert response.status_code == 415


def test_uploads_to_a_room_one_is_not_in_are_refused_and_store_nothing(
    upload, user, room, carol, media
):
    # A group room answers 403 (anyone may see it exists), a 1-to-1 404, as for sends.
    assert upload(carol, room, image_bytes()).status_code in (403, 404)
    assert upload(user, type(room)(pk=room.pk + 1000), image_bytes()).status_code == 404
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


def test_the_client_file_name_is_made_safe(upload, user, room):
    response = upload(user, room, b"hello", '../../etc/pass"wd .txt')
    assert response.status_code == 201
    assert response.data["name"] == "pass_wd.txt" or "/" not in response.data["name"]
    assert '"' not in response.data["name"] and "/" not in response.data["name"]


@pytest.mark.parametrize(
    ("content", "name", "saved_as"),
    [
        (b"<script>alert(1)</script>", "invoice.html", "invoice.html.txt"),
        (b"<svg onload=alert(1)>", "x.svg", "x.svg.txt"),
        (b"del *.*", "run.bat", "run.bat.txt"),
        (b"notes", "notes.md", "notes.md"),
        (b"notes", "README", "README.txt"),
        (image_bytes("JPEG"), "cat.JPEG", "cat.JPEG"),
        (image_bytes("PNG"), "cat.jpg", "cat.jpg.png"),
        (PDF, "report.PDF", "report.PDF"),
    ],
)
def test_a_file_is_named_for_what_its_content_is(
    upload, as_user, user, room, content, name, saved_as
):
    """A download is saved under its name, and the recipient's system opens it by its extension:
    never as a page or a program that its content is not."""
    response = upload(user, room, content, name)
    assert (response.status_code, response.data["name"]) == (201, saved_as)
    download = as_user(user).get(response.data["url"])
    assert f'filename="{saved_as}"' in download["Content-Disposition"]


def test_an_image_keeps_its_pixels(upload, user, room):
    content = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(content, format="PNG")
    attachment = Attachment.objects.get(pk=upload(user, room, content.getvalue()).data["id"])
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.convert("RGB").getpixel((4, 4)) == (10, 200, 30)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_an_image_too_large_for_pillow_to_open_is_refused_too(upload, user, room, media):
    # A few bytes of PNG that claim 20000 x 20000 pixels: Pillow's own guard refuses them.
    png = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(bytes(10)))
        + png_chunk(b"IEND", b"")
    )
    assert_refused(upload(user, room, png, "bomb.png"), media, "more than")


# Processes an image in a fresh interpreter and prints how far it raised the peak memory (KiB).
PEAK_OF_PROCESSING = """
import io, resource, sys
import django
django.setup()
from attachments.images import process_image
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
process_image(io.BytesIO(data), sys.argv[2])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


@pytest.mark.parametrize(
    ("mode", "fmt", "bytes_per_pixel"),
    [("RGBA", "PNG", 4), ("L", "PNG", 1), ("P", "PNG", 1), ("CMYK", "JPEG", 4)],
)
def test_an_image_is_processed_holding_one_copy_of_its_pixels(tmp_path, mode, fmt, bytes_per_pixel):
    """4,000 x 4,000 pixels of one colour: a small file that decodes to 62,500 KiB at 4 bytes a
    pixel. Processing a transparent PNG held four copies (750 MB at the pixel limit, per
    upload), and a grey or palette one a second copy at 4 bytes a pixel, for its thumbnail;
    now one, and a little."""
    path = tmp_path / f"plain.{fmt.lower()}"
    Image.new(mode, (4000, 4000)).save(path, format=fmt)
    decoded_kib = 4000 * 4000 * bytes_per_pixel / 1024
    result = subprocess.run(
        [sys.executable, "-c", PEAK_OF_PROCESSING, str(path), f"image/{fmt.lower()}"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) < 1.5 * decoded_kib


def two_pictures(*, trailing: bytes = b"") -> bytes:
    """A JPEG that declares a second picture (MPO, as cameras write), red then blue."""
    red, blue = Image.new("RGB", (64, 32), "red"), Image.new("RGB", (64, 32), "blue")
    encoded = io.BytesIO()
    red.save(encoded, format="MPO", save_all=True, append_images=[blue])
    return encoded.getvalue() + trailing


def test_a_jpeg_of_two_pictures_is_stored_as_its_first(upload, user, room):
    """Pillow names it MPO: it was a 500, and the scans of one went uncounted."""
    response = upload(user, room, two_pictures(), "camera.jpg")
    assert (response.status_code, response.data["content_type"]) == (201, "image/jpeg")
    attachment = Attachment.objects.get(pk=response.data["id"])
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)
        red, green, blue = image.convert("RGB").getpixel((0, 0))
        assert red > 200 and green < 60 and blue < 60
    with nothing_decoded():
        refused = upload(user, room, two_pictures(trailing=b"\xff\xda" * 101), "scans.jpg")
    assert refused.status_code == 400, refused.data
    assert "more than 100 scans" in refused.data["file"][0]


def test_a_jpeg_of_too_many_scans_is_refused_before_it_is_decoded(upload, user, room, media):
    with nothing_decoded():
        response = upload(user, room, progressive_jpeg(100), "scans.jpg")
    assert_refused(response, media, "more than 100 scans")
    response = upload(user, room, progressive_jpeg(0), "photo.jpg")
    assert response.status_code == 201, response.data


def test_images_are_decoded_a_few_at_a_time(upload, user, room, settings, monkeypatch):
    """Each decoding holds one of IMAGE_DECODES_AT_ONCE turns: a burst of uploads waits."""
    settings.IMAGE_DECODES_AT_ONCE = 1
    with decoding_turn():
        assert not decoding_slots(1).acquire(blocking=False)
    assert decoding_slots(1).acquire(blocking=False)
    decoding_slots(1).release()
    held_while_decoding = []
    opened_image = images.opened_image

    def watched(*args, **kwargs):
        held_while_decoding.append(not decoding_slots(1).acquire(blocking=False))
        return opened_image(*args, **kwargs)

    monkeypatch.setattr(images, "opened_image", watched)
    assert upload(user, room, image_bytes("PNG"), "a.png").status_code == 201
    assert held_while_decoding == [True]
