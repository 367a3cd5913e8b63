"""Changes to what others see of users, numbered: a client back from being away reads those
after the number it holds (GET /api/users/changed/?after=), each person it shares a room with
as they are now, and a deleted account as null (users/profile_numbers.py)."""

import pytest

from chat.api import profile_changes
from users.models import User
from users.profile_numbers import latest_profile_change
from users.tests.images import photo, upload

pytestmark = pytest.mark.django_db


def changed_after(client, number: int) -> dict:
    response = client.get(f"/api/users/changed/?after={number}")
    assert response.status_code == 200, response.data
    return response.data


def listed_profile_change(client) -> int:
    return client.get("/api/rooms/").data["profile_change"]


def test_a_change_others_see_is_numbered_and_listed_as_the_user_is_now(
    as_user, user, bob, room, password, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = as_user(bob)
    held = listed_profile_change(client)
    assert changed_after(client, held)["results"] == []
    as_user(user).patch("/api/auth/me/", {"display_name": "Alice L."}, format="json")
    as_user(user).patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart")
    assert listed_profile_change(as_user(bob)) == held + 2
    page = changed_after(as_user(bob), held)
    user.refresh_from_db()
    assert page == {
        "results": [
            {
                "id": user.pk,
                "change": held + 2,
                "user": {
                    "id": user.pk,
                    "username": "alice",
                    "display_name": "Alice L.",
                    "avatar": user.avatar_url,
                },
            }
        ],
        "next": None,
        "profile_change": held + 2,
    }
    assert changed_after(as_user(bob), held + 2)["results"] == []


def test_saves_that_change_nothing_others_see_are_not_numbered(as_user, user, bob, password):
    held = latest_profile_change()
    user.set_password("another-passphrase-52")
    user.save()
    user.first_name = "Alice"
    user.save()
    as_user(user).patch("/api/auth/me/", {"display_name": ""}, format="json")  # as it was
    User.objects.get(pk=bob.pk).save()  # loaded and saved whole, unchanged
    assert latest_profile_change() == held
    changed = User.objects.get(pk=bob.pk)
    changed.username = "robert"
    changed.save()
    assert latest_profile_change() == held + 1


def test_only_the_people_one_shares_a_room_with_are_listed(as_user, user, bob, carol, room):
    """No more than the directory shows of strangers (none, without a search)."""
    held = latest_profile_change()
    for person, name in ((user, "Alice L."), (carol, "Carol C.")):
        as_user(person).patch("/api/auth/me/", {"display_name": name}, format="json")
    listed = changed_after(as_user(bob), held)["results"]
    assert [change["id"] for change in listed] == [user.pk]
    # carol shares no room: not even her own change is anyone's to catch up on.
    assert changed_after(as_user(carol), held)["results"] == []


def test_a_deleted_account_is_listed_as_null(as_user, user, bob, password):
    held, user_id = latest_profile_change(), user.pk
    as_user(user).delete("/api/auth/me/", {"password": password}, format="json")
    page = changed_after(as_user(bob), held)
    assert page["results"] == [{"id": user_id, "change": held + 1, "user": None}]


def test_changes_come_a_page_at_a_time_oldest_first(
    as_user, make_user, make_room, bob, monkeypatch
):
    monkeypatch.setattr(profile_changes, "PROFILE_CHANGES_PAGE", 2)
    held = latest_profile_change()
    names = ["carol", "dave", "erin"]
    for name in names:
        made = make_user(name)
        make_room(bob, made)
        made.display_name = name.title()
        made.save()
    first = changed_after(as_user(bob), held)
    assert [change["user"]["username"] for change in first["results"]] == names[:2]
    assert first["next"].endswith(f"/api/users/changed/?after={held + 2}")
    second = as_user(bob).get(first["next"]).data
    assert [change["user"]["username"] for change in second["results"]] == names[2:]
    assert (second["next"], second["profile_change"]) == (None, held + 3)


@pytest.mark.parametrize("after", ["", "-1", "x", "1" * 19])
def test_after_must_be_a_change_number(as_user, bob, after):
    response = as_user(bob).get(f"/api/users/changed/?after={after}")
    assert (response.status_code, list(response.data)) == (400, ["after"])
