"""DELETE /api/auth/me/ {"password"}: the owner deletes the account; their messages stay."""

import json

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from chat.models import Membership, Message, Reaction, Room
from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from users.tests.images import photo, upload

User = get_user_model()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"password": "not-the-password"}, {"password": 7}])
def test_without_the_right_password_nothing_is_deleted(as_user, user, room, body):
    response = as_user(user).delete("/api/auth/me/", body, format="json")
    assert response.status_code == 400
    assert list(response.data) == ["password"]
    assert User.objects.filter(pk=user.pk).exists()
    assert Membership.objects.filter(user=user).count() == 1


async def frames_until_closed(socket) -> list:
    """Every frame the socket gets, up to and including its close."""
    frames = []
    while True:
        output = await socket.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return [*frames, output]
        frames.append(json.loads(output["text"]))


@pytest.mark.django_db(transaction=True)
async def test_with_the_password_the_account_goes_its_messages_stay_and_rooms_hear_of_it(
    api_client, make_user, make_room, open_socket, password
):
    alice = await sync_to_async(make_user)("alice")
    bob = await sync_to_async(make_user)("bob")
    room = await sync_to_async(make_room)(alice, bob)
    kept = await Message.objects.acreate(room=room, sender=alice, body="hello", client_id="c-1")
    await Reaction.objects.acreate(message=kept, user=alice, emoji="\U0001f44d")
    phone, laptop, bobs = await open_socket(alice), await open_socket(alice), await open_socket(bob)
    alice_ref = {"id": alice.pk, "username": "alice", "display_name": "", "avatar": None}

    def delete_account():
        api_client.force_authenticate(alice)
        return api_client.delete("/api/auth/me/", {"password": password}, format="json")

    response = await sync_to_async(delete_account)()
    assert response.status_code == 204

    # Every socket of alice's closes, on the way out of each room.
    for socket in (phone, laptop):
        frames = await frames_until_closed(socket)
        assert frames[-1] == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
        assert [f["room"]["id"] for f in frames if f["type"] == "room.left"] == [room.pk]
    # bob hears her reaction taken back, a change to the message as if she had taken it back.
    assert await bobs.receive_json_from(timeout=5) == {
        "type": "reaction.removed",
        "room": room.pk,
        "message": kept.pk,
        "user": alice_ref,
        "emoji": "\U0001f44d",
        "count": 0,
        "change": 1,
    }
    # Then that she left, as if she had left by hand.
    assert await bobs.receive_json_from(timeout=5) == {
        "type": "member.left",
        "room": room.pk,
        "user": alice_ref,
    }
    # Then that the account is gone: his page shows her messages as a deleted user's at once.
    later: list[dict] = []  # a group's handing over comes before it
    while len(later) < 3 and not any(frame["type"] == "user.deleted" for frame in later):
        later.append(await bobs.receive_json_from(timeout=5))
    assert later[-1] == {"type": "user.deleted", "user": alice_ref["id"]}, later
    assert not await User.objects.filter(pk=alice.pk).aexists()
    await kept.arefresh_from_db()
    assert (kept.sender_id, kept.body) == (None, "hello")
    # The room is bob's now (a group's ownership passes on), with its history.
    bobs_membership = await Membership.objects.aget(room=room)
    assert bobs_membership.user_id == bob.pk
    if room.kind == Room.Kind.GROUP:
        assert bobs_membership.role == Membership.Role.OWNER

    def changes():
        api_client.force_authenticate(bob)
        return api_client.get(f"/api/rooms/{room.pk}/messages/?changed_after=0").data["results"]

    (message,) = await sync_to_async(changes)()
    assert (message["id"], message["sender"], message["reactions"]) == (kept.pk, None, [])


@pytest.mark.django_db
def test_the_avatar_file_goes_with_the_account(
    as_user, user, password, media_root, django_capture_on_commit_callbacks
):
    client = as_user(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch("/api/auth/me/", {"avatar": upload(photo())}, format="multipart")
        assert (
            client.delete("/api/auth/me/", {"password": password}, format="json").status_code == 204
        )
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


@pytest.mark.django_db
def test_the_admin_deletes_an_account_as_its_owner_would(admin_client, user, bob, room):
    """Through the same service: a group alice owns passes to bob (a plain delete left it with
    no owner), one by one or by the bulk action."""
    deleted = admin_client.post(f"/admin/users/user/{user.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    (left,) = Membership.objects.filter(room=room)
    assert left.user_id == bob.pk
    if room.kind == Room.Kind.GROUP:
        assert left.role == Membership.Role.OWNER
    bulk = {"action": "delete_selected", "_selected_action": [bob.pk], "post": "yes"}
    assert admin_client.post("/admin/users/user/", bulk).status_code == 302
    assert not User.objects.filter(pk__in=[user.pk, bob.pk]).exists()
    assert not Membership.objects.filter(room=room).exists()
