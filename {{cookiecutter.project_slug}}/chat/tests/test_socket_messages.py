"""The socket protocol: message.send, the events every member's sockets get, and refusals."""

import pytest
from asgiref.sync import sync_to_async

from chat.models import Message, Room
from chat.tests.frames import assert_nothing_on_its_way, send_frame
from users.profile_numbers import latest_profile_change

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_message_reaches_every_member_socket_the_sender_included(
    open_socket, room, user, bob
):
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    await alice_socket.send_json_to(send_frame(room, " hi bob "))
    for socket in (alice_socket, bob_socket):
        event = await socket.receive_json_from()
        assert event["type"] == "message.new"
        message = event["message"]
        assert (message["room"], message["body"], message["client_id"]) == (
            room.pk,
            "hi bob",
            "c-1",
        )
        assert message["sender"] == {
            "id": user.pk,
            "username": "alice",
            "display_name": "",
            "avatar": None,
        }
    assert await Message.objects.acount() == 1


async def test_resending_a_client_id_acks_the_original_and_stores_nothing_new(
    open_socket, room, user, bob
):
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    await alice_socket.send_json_to(send_frame(room))
    original = await alice_socket.receive_json_from()
    await bob_socket.receive_json_from()
    await alice_socket.send_json_to(send_frame(room, "different text, same id"))
    assert await alice_socket.receive_json_from() == original
    # The resend reached nobody else: bob's next frame is the message sent after it.
    await alice_socket.send_json_to(send_frame(room, "after the resend", "c-2"))
    assert (await bob_socket.receive_json_from())["message"]["body"] == "after the resend"
    assert await Message.objects.acount() == 2


async def test_resending_a_reply_acks_the_original_with_what_it_replies_to(open_socket, room, user):
    """The earlier message is read with its quote: read lazily, on the socket's event loop, it
    was refused, and the resend went unanswered."""
    socket = await open_socket(user)
    await socket.send_json_to(send_frame(room, "the first", "c-0"))
    first = (await socket.receive_json_from())["message"]
    reply = {**send_frame(room, "a reply", "c-1"), "reply_to": first["id"]}
    await socket.send_json_to(reply)
    original = await socket.receive_json_from()
    assert original["message"]["reply_to"]["id"] == first["id"]
    await socket.send_json_to(reply)
    assert await socket.receive_json_from() == original


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"body": ""}, "invalid"),
        ({"body": "x" * 4001}, "invalid"),
        ({"body": ["not", "text"]}, "invalid"),
        ({"room": "general"}, "invalid"),
        ({"room": 999999}, "not_found"),
        ({"client_id": 7}, "invalid"),
    ],
)
async def test_refused_sends_get_an_error_naming_the_client_id(
    open_socket, room, user, change, code
):
    socket = await open_socket(user)
    frame = {**send_frame(room), **change}
    await socket.send_json_to(frame)
    error = await socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", code)
    assert error["ref"] == (frame["client_id"] if isinstance(frame["client_id"], str) else None)
    await socket.send_json_to(send_frame(room, client_id="next"))  # still usable
    assert (await socket.receive_json_from())["type"] == "message.new"


# An outsider is refused a group's room (which anyone may see) and told a 1-to-1 conversation
# does not exist.
OUTSIDER_ERROR = {Room.Kind.GROUP: "forbidden", Room.Kind.DIRECT: "not_found"}


async def test_outsiders_cannot_post_by_room_id(open_socket, room, carol, bob):
    outsider, member = await open_socket(carol), await open_socket(bob)
    await outsider.send_json_to(send_frame(room))
    error = await outsider.receive_json_from()
    assert (error["code"], error["ref"]) == (OUTSIDER_ERROR[room.kind], "c-1")
    # Nothing reached the member: the next frame bob gets is his own message, sent after.
    await member.send_json_to(send_frame(room, "after the outsider", "b-1"))
    assert (await member.receive_json_from())["message"]["body"] == "after the outsider"
    assert await Message.objects.acount() == 1


async def test_rest_changes_reach_sockets_like_socket_ones(open_socket, as_user, room, user, bob):
    bob_socket = await open_socket(bob)
    client = as_user(user)
    created = await sync_to_async(client.post)(
        f"/api/rooms/{room.pk}/messages/", {"body": "from REST", "client_id": "r"}, format="json"
    )
    new = await bob_socket.receive_json_from()
    assert (new["type"], new["message"]["id"]) == ("message.new", created.data["id"])
    url = f"/api/messages/{created.data['id']}/"
    await sync_to_async(client.patch)(url, {"body": "edited"}, format="json")
    updated = await bob_socket.receive_json_from()
    assert (updated["type"], updated["message"]["body"]) == ("message.updated", "edited")
    await sync_to_async(client.delete)(url)
    deleted = await bob_socket.receive_json_from()
    assert (deleted["type"], deleted["message"]["body"]) == ("message.deleted", "")
    assert deleted["message"]["deleted"] is not None


async def test_catch_up_after_a_reconnect_with_after(open_socket, as_user, room, user, bob):
    bob_socket = await open_socket(bob)
    alice_socket = await open_socket(user)
    await alice_socket.send_json_to(send_frame(room, "seen", "1"))
    seen = (await bob_socket.receive_json_from())["message"]["id"]
    await alice_socket.receive_json_from()
    # Bob's client loses its connection here; these happen while it is away.
    for n in range(2, 5):
        await alice_socket.send_json_to(send_frame(room, f"missed {n}", str(n)))
        await alice_socket.receive_json_from()
    missed = await sync_to_async(as_user(bob).get)(f"/api/rooms/{room.pk}/messages/?after={seen}")
    assert [m["body"] for m in missed.data["results"]] == ["missed 2", "missed 3", "missed 4"]


async def test_a_profile_change_reaches_whoever_sees_the_user_and_their_open_sockets(
    open_socket, as_user, room, user, bob, carol
):
    """Each socket read its user at the handshake: a change made over REST (another tab) or in
    the admin reaches it, and it reaches the people who share a room with the user."""
    tab, bob_socket, outsider = (
        await open_socket(user),
        await open_socket(bob),
        await open_socket(carol),
    )
    changed = await sync_to_async(as_user(user).patch)(
        "/api/auth/me/", {"display_name": "Alice Liddell"}, format="json"
    )
    assert changed.status_code == 200
    for socket in (tab, bob_socket):
        told = await socket.receive_json_from()
        assert (told["type"], told["user"]["id"]) == ("user.updated", user.pk)
        assert told["user"]["display_name"] == "Alice Liddell"
        # Numbered as a client back from being away reads it (users/profile_numbers.py).
        assert told["profile_change"] == await sync_to_async(latest_profile_change)()
    await tab.send_json_to(send_frame(room, "who am I?", "p-1"))
    for socket in (tab, bob_socket):
        new = await socket.receive_json_from()
        assert new["message"]["sender"]["display_name"] == "Alice Liddell"
    # carol shares no room with alice: her next frame answers her own.
    await assert_nothing_on_its_way(outsider)
