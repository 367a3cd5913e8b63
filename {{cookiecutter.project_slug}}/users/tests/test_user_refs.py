"""Every user object others see carries the display name and avatar, at no query per message."""

import pytest
from asgiref.sync import sync_to_async

from chat.models import Message, Room
from users.avatars import reencode
from users.profile import set_avatar
from users.tests.images import photo, upload


def profiled(make_user, username: str, display_name: str):
    user = make_user(username, display_name=display_name)
    set_avatar(user, reencode(upload(photo())))
    return user


def ref(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "avatar": user.avatar_url,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 30])
def test_history_carries_senders_profiles_in_constant_queries(
    as_user, make_room, make_user, django_assert_max_num_queries, count
):
    alice = profiled(make_user, "alice", "Alice L.")
    bob = profiled(make_user, "bob", "Bobby")
    room = make_room(alice, bob)
    for n in range(count):
        Message.objects.create(room=room, sender=(alice, bob)[n % 2], body="x", client_id=f"{n}")
    client = as_user(alice)
    # Membership, page, the page's reactions, the page's attachments.
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/rooms/{room.pk}/messages/")
    senders = [message["sender"] for message in response.data["results"]]
    assert senders[:2] == [ref((alice, bob)[(count - 1) % 2]), ref((alice, bob)[count % 2])]
    assert senders[0]["avatar"].startswith(f"/api/users/{senders[0]['id']}/avatar/")


@pytest.mark.django_db(transaction=True)
async def test_a_message_sent_on_a_socket_carries_the_senders_profile(
    open_socket, make_room, make_user
):
    alice = await sync_to_async(profiled)(make_user, "alice", "Alice L.")
    bob = await sync_to_async(make_user)("bob")
    room = await sync_to_async(make_room)(alice, bob)
    alices, bobs = await open_socket(alice), await open_socket(bob)
    await alices.send_json_to(
        {"type": "message.send", "room": room.pk, "body": "hi", "client_id": "c-1"}
    )
    for socket in (alices, bobs):
        event = await socket.receive_json_from(timeout=5)
        assert event["type"] == "message.new"
        assert event["message"]["sender"] == ref(alice)


@pytest.mark.django_db
def test_the_room_list_and_members_carry_profiles(as_user, make_room, make_user):
    alice = profiled(make_user, "alice", "Alice L.")
    bob = profiled(make_user, "bob", "Bobby")
    room = make_room(alice, bob)
    client = as_user(alice)
    members = client.get(f"/api/rooms/{room.pk}/members/").data
    members = members["results"] if isinstance(members, dict) else members
    assert sorted((member["user"]["id"], member["user"]) for member in members) == sorted(
        [(alice.pk, ref(alice)), (bob.pk, ref(bob))]
    )
    (listed,) = client.get("/api/rooms/").data["results"]
    assert listed["peer"] == (ref(bob) if room.kind == Room.Kind.DIRECT else None)
