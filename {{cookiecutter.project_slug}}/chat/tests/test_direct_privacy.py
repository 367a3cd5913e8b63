"""1-to-1 conversations a user controls: hiding one, blocking a user."""

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.models import Message
from chat.tests.fixtures_direct import direct_room
from chat.tests.frames import assert_nothing_on_its_way

rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


def send(client, room_id: int, body: str, client_id: str):
    return client.post(
        f"/api/rooms/{room_id}/messages/", {"body": body, "client_id": client_id}, format="json"
    )


def listed(client) -> list[int]:
    return [room["id"] for room in client.get("/api/rooms/").data["results"]]


@rest
def test_the_room_list_names_the_other_person(as_user, user, bob):
    direct_room(user, bob)
    (conversation,) = as_user(user).get("/api/rooms/").data["results"]
    assert (conversation["peer"]["id"], conversation["peer"]["username"]) == (bob.pk, "bob")


@rest
def test_a_hidden_conversation_comes_back_with_its_next_message(as_user, user, bob, carol):
    room = direct_room(user, bob)
    Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    assert as_user(carol).post(f"/api/rooms/{room.pk}/hide/").status_code == 404
    assert as_user(user).post(f"/api/rooms/{room.pk}/hide/").status_code == 204
    assert listed(as_user(user)) == []
    assert listed(as_user(bob)) == [room.pk]  # hidden for alice only
    assert as_user(user).get(f"/api/rooms/{room.pk}/").status_code == 200
    send(as_user(bob), room.pk, "still there?", "2")
    assert listed(as_user(user)) == [room.pk]


@rest
def test_a_blocked_user_can_neither_write_nor_start_a_conversation(as_user, user, bob, carol):
    room = direct_room(user, bob)
    blocked = as_user(user).post("/api/blocks/", {"user": bob.pk}, format="json")
    assert (blocked.status_code, blocked.data["user"]["username"]) == (201, "bob")
    assert as_user(user).post("/api/blocks/", {"user": bob.pk}, format="json").status_code == 200
    refused = send(as_user(bob), room.pk, "hello?", "1")
    assert (refused.status_code, "blocked" in refused.data["detail"]) == (403, True)
    # alice still writes to bob, and carol's conversations are untouched.
    assert send(as_user(user), room.pk, "bye", "2").status_code == 201
    as_user(carol).post("/api/blocks/", {"user": bob.pk}, format="json")
    start = {"user": carol.pk, "body": "hi", "client_id": "3"}
    refused = as_user(bob).post("/api/direct/", start, format="json")
    assert (refused.status_code, "blocked" in refused.data["detail"]) == (403, True)
    assert list(Message.objects.values_list("body", flat=True)) == ["bye"]
    assert [b["user"]["username"] for b in as_user(user).get("/api/blocks/").data["results"]] == [
        "bob"
    ]
    assert as_user(user).delete(f"/api/blocks/{bob.pk}/").status_code == 204
    assert as_user(user).delete(f"/api/blocks/{bob.pk}/").status_code == 404
    assert send(as_user(bob), room.pk, "thanks", "4").status_code == 201


@rest
def test_a_blocked_user_adds_nothing_to_the_conversation_but_may_take_away(as_user, user, bob):
    room = direct_room(user, bob)
    earlier = send(as_user(bob), room.pk, "earlier", "1").data["id"]
    another = send(as_user(bob), room.pk, "another", "2").data["id"]
    mine = send(as_user(user), room.pk, "alice's", "3").data["id"]
    as_user(bob).post(f"/api/messages/{mine}/reactions/", {"emoji": "👍"}, format="json")
    as_user(user).post("/api/blocks/", {"user": bob.pk}, format="json")
    client = as_user(bob)
    edit = client.patch(f"/api/messages/{earlier}/", {"body": "edited"}, format="json")
    react = client.post(f"/api/messages/{mine}/reactions/", {"emoji": "😀"}, format="json")
    upload = client.post(
        f"/api/rooms/{room.pk}/attachments/",
        {"file": SimpleUploadedFile("a.txt", b"hi", "text/plain")},
        format="multipart",
    )
    for refused in (edit, react, upload):
        assert (refused.status_code, "blocked" in refused.data["detail"]) == (403, True)
    assert Message.objects.get(pk=earlier).body == "earlier"
    # Taking his own away is still his: a message deleted, a reaction removed.
    assert client.delete(f"/api/messages/{another}/").status_code in (200, 204)
    removed = client.delete(f"/api/messages/{mine}/reactions/?emoji=👍")
    assert (removed.status_code, removed.data["count"]) == (200, 0)


@rest
def test_blocking_is_checked(as_user, user):
    client = as_user(user)
    assert client.post("/api/blocks/", {"user": user.pk}, format="json").status_code == 400
    assert client.post("/api/blocks/", {"user": 99999}, format="json").status_code == 404
    assert client.post("/api/blocks/", {"user": "bob"}, format="json").status_code == 400
    assert client.post("/api/blocks/", [], format="json").status_code == 400


@rest
def test_whom_a_user_blocked_stays_blocked_in_a_conversation_the_blocker_starts(as_user, user, bob):
    as_user(user).post("/api/blocks/", {"user": bob.pk}, format="json")
    started = as_user(user).post(
        "/api/direct/", {"user": bob.pk, "body": "one last thing", "client_id": "1"}, format="json"
    )
    assert started.status_code == 201
    assert send(as_user(bob), started.data["room"]["id"], "but", "2").status_code == 403


@live
async def test_a_blocked_users_socket_send_is_refused_and_reaches_nobody(
    open_socket, as_user, user, bob
):
    room = await sync_to_async(direct_room)(user, bob)
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    assert (await alice.receive_json_from())["type"] == "block.added"  # to her tabs alone
    await bob_socket.send_json_to(
        {"type": "message.send", "room": room.pk, "body": "hey", "client_id": "1"}
    )
    error = await bob_socket.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "forbidden")
    await assert_nothing_on_its_way(alice)


@live
async def test_a_blocked_users_typing_reaches_nobody_from_sockets_open_before_or_after_the_block(
    open_socket, as_user, user, bob
):
    room = await sync_to_async(direct_room)(user, bob)

    async def say(sender, body: str, *readers) -> None:
        """A message, read by the sender and each reader: events published before it (a block
        told to bob's sockets, a typing start) have reached them."""
        await sender.send_json_to(
            {"type": "message.send", "room": room.pk, "body": body, "client_id": body}
        )
        for socket in (sender, *readers):
            frame = await socket.receive_json_from(timeout=5)
            assert (frame["type"], frame["message"]["body"]) == ("message.new", body)

    before = await open_socket(bob)
    alice = await open_socket(user)  # opened after bob's first: no presence frame for her
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    assert (await alice.receive_json_from(timeout=5))["type"] == "block.added"
    after = await open_socket(bob)
    await say(alice, "blocked you", before, after)
    for socket in (before, after):
        await socket.send_json_to({"type": "typing.start", "room": room.pk})
        await assert_nothing_on_its_way(socket)  # its start handled, without an answer
    await sync_to_async(as_user(user).delete)(f"/api/blocks/{bob.pk}/")
    assert (await alice.receive_json_from(timeout=5))["type"] == "block.removed"
    # Her next frame is her own message: no start of his came before it.
    await say(alice, "unblocked you", before, after)
    await before.send_json_to({"type": "typing.start", "room": room.pk})
    relayed = await alice.receive_json_from(timeout=5)
    assert (relayed["type"], relayed["user"]["id"]) == ("typing.start", bob.pk)


@live
async def test_a_conversation_the_blocker_starts_relays_none_of_the_blocked_users_typing(
    open_socket, as_user, user, bob
):
    bobs = await open_socket(bob)
    alice = await open_socket(user)  # opened after bob's: no presence frame for her
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    first = {"user": bob.pk, "body": "I blocked you, but I write first", "client_id": "1"}
    started = await sync_to_async(as_user(user).post)("/api/direct/", first, format="json")
    room_id = started.data["room"]["id"]
    for socket in (alice, bobs):  # room.joined, member.joined..., then the message
        while (await socket.receive_json_from())["type"] != "message.new":
            pass
    await bobs.send_json_to({"type": "typing.start", "room": room_id})
    await assert_nothing_on_its_way(bobs)  # its start handled, without an answer
    # alice's next frame is her own message: no start of his came before it.
    await alice.send_json_to(
        {"type": "message.send", "room": room_id, "body": "still blocked", "client_id": "2"}
    )
    assert (await alice.receive_json_from())["type"] == "message.new"


@live
async def test_a_blocked_user_learns_neither_when_the_blocker_is_online_nor_how_far_they_read(
    open_socket, as_user, user, bob, settings
):
    settings.CHAT_PRESENCE = True
    room = await sync_to_async(direct_room)(user, bob)
    first = await sync_to_async(Message.objects.create)(
        room=room, sender=bob, body="hello?", client_id="b1"
    )
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    bobs = await open_socket(bob)
    alice = await open_socket(user)

    async def next_on_alices(kind: str) -> None:
        # bob's arrival may reach her after her socket opened (she is not blocked): passed by.
        while (await alice.receive_json_from())["type"] != kind:
            pass

    await alice.send_json_to({"type": "room.read", "room": room.pk, "message": first.pk})
    await next_on_alices("room.read")  # her own tabs hear of it
    # bob's next frame is her message: neither her arrival nor her receipt came before it.
    await alice.send_json_to(
        {"type": "message.send", "room": room.pk, "body": "no", "client_id": "a1"}
    )
    await next_on_alices("message.new")
    assert (await bobs.receive_json_from())["message"]["body"] == "no"

    members = await sync_to_async(as_user(bob).get)(f"/api/rooms/{room.pk}/members/")
    shown = {member["user"]["id"]: member for member in members.data["results"]}
    assert (shown[user.pk]["last_read"], shown[user.pk]["online"]) == (None, None)
    assert shown[bob.pk]["online"] is True  # his own
    members = await sync_to_async(as_user(user).get)(f"/api/rooms/{room.pk}/members/")
    shown = {member["user"]["id"]: member for member in members.data["results"]}
    assert (shown[user.pk]["last_read"], shown[bob.pk]["online"]) == (first.pk, True)


@live
async def test_hiding_reaches_every_tab_of_the_user(open_socket, as_user, user, bob):
    room = await sync_to_async(direct_room)(user, bob)
    tabs = [await open_socket(user), await open_socket(user)]
    await sync_to_async(as_user(user).post)(f"/api/rooms/{room.pk}/hide/")
    for tab in tabs:
        assert await tab.receive_json_from() == {"type": "room.hidden", "room": room.pk}


@live
async def test_blocking_and_unblocking_reach_every_tab_of_the_blocker(
    open_socket, as_user, user, bob
):
    tabs = [await open_socket(user), await open_socket(user)]
    bob_ref = {"id": bob.pk, "username": "bob", "display_name": "", "avatar": None}
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    for tab in tabs:
        assert await tab.receive_json_from() == {"type": "block.added", "user": bob_ref}
    await sync_to_async(as_user(user).delete)(f"/api/blocks/{bob.pk}/")
    for tab in tabs:
        assert await tab.receive_json_from() == {"type": "block.removed", "user": bob_ref}


@live
async def test_a_block_shows_the_blocker_offline_to_the_blocked_and_its_end_as_they_are(
    open_socket, as_user, user, bob, settings
):
    """Their 1-to-1 is the one room they share: from the block on it hides whether alice is
    online, so bob's pages, which showed her online, are told she is not; and at its end that
    she is."""
    settings.CHAT_PRESENCE = True
    await sync_to_async(direct_room)(user, bob)
    bobs = await open_socket(bob)
    alice = await open_socket(user)
    alice_ref = {"id": user.pk, "username": "alice"}
    assert await bobs.receive_json_from() == {
        "type": "presence",
        "user": alice_ref,
        "status": "online",
    }
    await sync_to_async(as_user(user).post)("/api/blocks/", {"user": bob.pk}, format="json")
    assert await bobs.receive_json_from() == {
        "type": "presence",
        "user": alice_ref,
        "status": "offline",
    }
    await sync_to_async(as_user(user).delete)(f"/api/blocks/{bob.pk}/")
    assert await bobs.receive_json_from() == {
        "type": "presence",
        "user": alice_ref,
        "status": "online",
    }
    # Hers, with bob's coming online among them should it reach her after her socket opened.
    told = []
    while len(told) < 2:
        kind = (await alice.receive_json_from())["type"]
        if kind != "presence":
            told.append(kind)
    assert told == ["block.added", "block.removed"]
