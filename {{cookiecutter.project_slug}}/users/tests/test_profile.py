"""PATCH /api/auth/me/: the display name and the avatar others see."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

from users.models import User
from users.profile import remove_avatar, set_avatar
from users.tests.images import EXIF_MAKE, noise_png, photo, progressive_jpeg, upload

pytestmark = pytest.mark.django_db

AVATAR_URL = re.compile(r"/api/users/(\d+)/avatar/[0-9a-f]{16}\.(jpg|png)")


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def test_the_display_name_is_trimmed_and_can_be_cleared(as_user, user):
    client = as_user(user)
    response = client.patch("/api/auth/me/", {"display_name": "  Alice Liddell "}, format="json")
    assert response.status_code == 200
    assert response.data["display_name"] == "Alice Liddell"
    user.refresh_from_db()
    assert user.display_name == "Alice Liddell"
    assert client.patch("/api/auth/me/", {"display_name": ""}, format="json").data == {
        **client.get("/api/auth/me/").data,
        "display_name": "",
    }


def test_a_display_name_cannot_be_another_users_username(as_user, user, bob):
    """Clients show the display name in the username's place: "alice" on bob's messages would
    pass for alice, in any case or width. Alice may take her own, capitals and all."""
    # A fullwidth A; a variation selector, which after a letter draws nothing; a Cyrillic a; a
    # stroke drawn over a letter; an accent.
    look_alikes = ("\uff21lice", "alice\ufe0f", "\u0430lice", "al\u0335ice", "ali\u0301ce")
    for name in ("alice", "ALICE", *look_alikes):
        refused = as_user(bob).patch("/api/auth/me/", {"display_name": name}, format="json")
        assert refused.status_code == 400
        assert "another user's username" in refused.data["display_name"][0]
    bob.refresh_from_db()
    assert bob.display_name == ""
    mine = as_user(user).patch("/api/auth/me/", {"display_name": "Alice"}, format="json")
    assert (mine.status_code, mine.data["display_name"]) == (200, "Alice")


@pytest.mark.parametrize(
    "name",
    # Signs and letters of other scripts, some of which look like a sequence of Latin letters.
    [
        "100%",
        "Price \u00a2",
        "\u0398eo",
        "\u042e\u043b\u0438\u044f",
        "\u049b\u0493",
        "\u221e \u2030",
    ],
)
def test_a_display_name_of_other_signs_and_scripts_is_taken(as_user, user, bob, name):
    response = as_user(user).patch("/api/auth/me/", {"display_name": name}, format="json")
    assert (response.status_code, response.data["display_name"]) == (200, name)


@pytest.mark.parametrize(
    "name",
    ["Ana \U0001f469\u200d\U0001f4bb", "\u0915\u094d\u200d\u0937\u093e"],
    ids=["an emoji of two joined", "a Devanagari half form"],
)
def test_a_zero_width_joiner_that_joins_stays(as_user, user, name):
    response = as_user(user).patch("/api/auth/me/", {"display_name": name}, format="json")
    assert (response.status_code, response.data["display_name"]) == (200, name)


@pytest.mark.parametrize(
    "name",
    [
        "x" * 65,  # too long
        "Al\u202eecil",  # a right-to-left override: reads as another name
        "Alice\nBob",  # a control character
        "Alice\u2028Bob",  # a line separator
        "\u200b\u200b",  # zero-width spaces: shows as nothing
        "alice\u200d",  # a zero-width joiner that joins nothing: reads as "alice"
        "Al\u200dice",  # nor between two ASCII letters
        "\u3164",  # a Hangul filler, a letter drawn blank
        "Ali\u061cce",  # the Arabic letter mark, a text-direction character
        ["Alice"],
    ],
)
def test_bad_display_names_are_refused_naming_the_field(as_user, user, name):
    response = as_user(user).patch("/api/auth/me/", {"display_name": name}, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["display_name"]
    user.refresh_from_db()
    assert user.display_name == ""


def test_an_avatar_is_stored_square_upright_and_without_its_exif(as_user, user, make_user):
    # A landscape photo the camera says to turn a quarter right: upright it is a portrait
    # whose top half is red and bottom half blue.
    original = photo(orientation=6)
    assert Image.open(io.BytesIO(original)).getexif()[EXIF_MAKE] == "Test Camera"
    response = as_user(user).patch(
        "/api/auth/me/", {"avatar": upload(original)}, format="multipart"
    )
    assert response.status_code == 200, response.data
    url = response.data["avatar"]
    assert AVATAR_URL.fullmatch(url).groups() == (str(user.pk), "jpg")

    # Any signed-in user may fetch it.
    served = as_user(make_user("bob")).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert "immutable" in served["Cache-Control"]
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert (image.format, image.size) == ("JPEG", (256, 256))
    assert not image.getexif()
    assert "exif" not in image.info
    red, _, blue = image.getpixel((128, 20))
    assert red > 200 and blue < 60
    red, _, blue = image.getpixel((128, 236))
    assert red < 60 and blue > 200


def test_a_transparent_avatar_stays_transparent(as_user, user):
    image = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, "PNG")
    response = as_user(user).patch(
        "/api/auth/me/", {"avatar": upload(output.getvalue(), "me.png")}, format="multipart"
    )
    assert response.status_code == 200
    served = as_user(user).get(response.data["avatar"])
    stored = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert (stored.format, stored.mode, stored.getpixel((5, 5))[3]) == ("PNG", "RGBA", 0)


def test_a_file_named_like_an_image_is_refused_and_nothing_is_stored(as_user, user, media_root):
    fake = upload(b"%PDF-1.7\n" + b"0" * 2000, name="holiday.jpg", content_type="image/jpeg")
    response = as_user(user).patch("/api/auth/me/", {"avatar": fake}, format="multipart")
    assert response.status_code == 400
    assert "not an image" in response.data["avatar"][0]
    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(media_root) == []


def test_an_oversized_upload_is_refused_and_nothing_is_stored(as_user, user, media_root, settings):
    settings.USERS_AVATAR_MAX_BYTES = 50_000
    big = noise_png(200)  # about 120 kB, a real image
    assert len(big) > settings.USERS_AVATAR_MAX_BYTES
    response = as_user(user).patch(
        "/api/auth/me/", {"avatar": upload(big, "big.png", "image/png")}, format="multipart"
    )
    assert response.status_code == 400
    assert "larger than 50000 bytes" in response.data["avatar"][0]
    user.refresh_from_db()
    assert not user.avatar
    assert stored_files(media_root) == []


def test_an_image_declaring_too_many_pixels_is_refused(as_user, user, settings):
    settings.USERS_AVATAR_MAX_PIXELS = 100 * 100
    response = as_user(user).patch(
        "/api/auth/me/", {"avatar": upload(photo(200, 200))}, format="multipart"
    )
    assert response.status_code == 400
    assert "too many pixels" in response.data["avatar"][0]


def test_a_jpeg_of_too_many_scans_is_refused_as_an_avatar(as_user, user, media_root):
    """Each scan of a progressive JPEG is a pass over every pixel: a few kilobytes of them cost
    seconds of decoding (core/image_decoding.py)."""
    client = as_user(user)
    response = client.patch(
        "/api/auth/me/", {"avatar": upload(progressive_jpeg(100))}, format="multipart"
    )
    assert response.status_code == 400
    assert "more than 100 scans" in response.data["avatar"][0]
    accepted = client.patch(
        "/api/auth/me/", {"avatar": upload(progressive_jpeg(0))}, format="multipart"
    )
    assert accepted.status_code == 200, accepted.data


def test_a_new_avatar_replaces_the_old_one_and_its_url(
    as_user, user, media_root, django_capture_on_commit_callbacks
):
    client = as_user(user)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart")
        second = client.patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart")
    assert first.data["avatar"] != second.data["avatar"]
    assert client.get(first.data["avatar"]).status_code == 404
    assert client.get(second.data["avatar"]).status_code == 200
    assert len(stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        removed = client.patch("/api/auth/me/", {"avatar": None}, format="json")
    assert removed.data["avatar"] is None
    assert client.get(second.data["avatar"]).status_code == 404
    assert stored_files(media_root) == []


def test_a_field_the_profile_has_not_is_refused_not_ignored(as_user, user, password):
    client = as_user(user)
    refused = client.patch("/api/auth/me/", {"password": "Another-pass-456"}, format="json")
    assert refused.status_code == 400
    assert "POST /api/auth/password/" in refused.data["password"][0]
    changes = {"display_name": "Boss", "is_staff": True}
    assert list(client.patch("/api/auth/me/", changes, format="json").data) == ["is_staff"]
    user.refresh_from_db()
    assert (user.display_name, user.is_staff, user.check_password(password)) == ("", False, True)


def test_avatars_changed_at_once_leave_one_file(
    user, media_root, django_capture_on_commit_callbacks
):
    # Two requests at once: each loaded the user before the other stored its avatar.
    first, second = (User.objects.get(pk=user.pk) for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        set_avatar(first, ContentFile(b"first", name="a.png"))
        set_avatar(second, ContentFile(b"second", name="b.png"))
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        remove_avatar(first)  # loaded before the second change, too
    assert stored_files(media_root) == []


def test_avatars_are_for_signed_in_users(api_client, as_user, user):
    url = as_user(user).patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart")
    api_client.force_authenticate(None)
    assert api_client.get(url.data["avatar"]).status_code in (401, 403)


def test_the_admin_shows_the_profile_and_checks_the_display_name_too(admin_client, user):
    page = admin_client.get(f"/admin/users/user/{user.pk}/change/")
    assert page.status_code == 200
    assert b"display_name" in page.content
    user.display_name = "Al\u202eecil"
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert list(refused.value.message_dict) == ["display_name"]


def test_an_empty_avatar_in_a_form_removes_it(as_user, user):
    client = as_user(user)
    assert client.patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart").data[
        "avatar"
    ]
    removed = client.patch("/api/auth/me/", {"avatar": ""}, format="multipart")
    assert (removed.status_code, removed.data["avatar"]) == (200, None)


def test_a_refused_avatar_leaves_the_display_name_sent_with_it_unchanged(as_user, user):
    fake = upload(b"not an image at all", name="me.png", content_type="image/png")
    response = as_user(user).patch(
        "/api/auth/me/", {"display_name": "Alice", "avatar": fake}, format="multipart"
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name == ""
