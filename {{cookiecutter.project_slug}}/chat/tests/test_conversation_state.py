"""Conversation state over the socket and REST: read cursors and unread counts, typing,
reactions, replies, edits and deletes, message numbers, and the room list's summaries.

An absence is proven by a later frame: after the action that must not reach a socket, something
that does reach it is sent, and it must be the next frame the socket reads.
"""

from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

import pytest
from asgiref.sync import sync_to_async
from django.apps import apps
from django.db import close_old_connections, connection
from django.db.models import F
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.clock import ManualClock
from accounts.tests.throttling import use_production_throttle_rates
from chat.domain.reactions import add_reaction
from chat.domain.search import search_messages
from chat.domain.sending import send_message
from chat.models import Message, Room
from chat.realtime.frames import encode
from chat.realtime.hub import get_hub
from chat.realtime.typing import get_typing_relay
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)
search_index_migration = import_module("chat.migrations.0002_message_search_index")


async def next_of(socket) -> dict:
    return await socket.receive_json_from(timeout=5)


async def say(sender, room, body: str, *readers) -> int:
    """Send a message and read its message.new on the sender and each reader; its id."""
    await sender.send_json_to(send_frame(room, body, f"c-{body}"))
    message = (await next_of(sender))["message"]
    for reader in readers:
        assert (await next_of(reader))["message"]["id"] == message["id"]
    return message["id"]


def ref(user) -> dict:
    return {"id": user.pk, "username": user.username, "display_name": "", "avatar": None}


# Read state


async def test_reading_moves_the_cursor_forward_only_and_tells_every_tab(
    open_socket, room, user, bob
):
    tab, other_tab, bob_socket = (
        await open_socket(user),
        await open_socket(user),
        await open_socket(bob),
    )
    first = await say(bob_socket, room, "first", tab, other_tab)
    second = await say(bob_socket, room, "second", tab, other_tab)

    await tab.send_json_to({"type": "room.read", "room": room.pk, "message": second})
    read = {"type": "room.read", "room": room.pk, "user": ref(user), "message": second}
    for socket in (tab, other_tab, bob_socket):
        assert await next_of(socket) == read

    # Back to an older message: the cursor stays, and only the asking tab is told where it is.
    await tab.send_json_to({"type": "room.read", "room": room.pk, "message": first})
    assert await next_of(tab) == read
    third = await say(bob_socket, room, "third", tab)
    assert (await next_of(other_tab))["message"]["id"] == third


async def test_a_read_of_another_rooms_message_is_refused(
    open_socket, make_room, room, user, carol
):
    elsewhere = await sync_to_async(make_room)(user, carol)
    tab = await open_socket(user)
    other = await say(tab, elsewhere, "elsewhere")
    await tab.send_json_to(
        {"type": "room.read", "room": room.pk, "message": other, "client_id": "r"}
    )
    error = await next_of(tab)
    assert (error["type"], error["code"], error["ref"]) == ("error", "not_found", "r")
    await tab.send_json_to({"type": "room.read", "room": room.pk, "message": "1"})
    assert (await next_of(tab))["code"] == "invalid"


def test_unread_counts_in_the_room_list_and_in_total(as_user, room, user, bob):
    alice = as_user(user)
    sent = [
        Message.objects.create(room=room, sender=sender, body=body, client_id=body)
        for sender, body in [(bob, "b1"), (user, "mine"), (bob, "b2"), (bob, "b3")]
    ]
    (summary,) = alice.get("/api/rooms/").json()["results"]
    assert summary["unread"] == 3  # all of bob's; never one's own
    assert alice.get("/api/rooms/unread/").json() == {"total": 3}

    answer = alice.post(f"/api/rooms/{room.pk}/read/", {"message": sent[2].pk}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"room": room.pk, "message": sent[2].pk, "unread": 1}
    sent[3].deleted, sent[3].body = sent[2].created, ""
    sent[3].save()
    assert alice.get("/api/rooms/").json()["results"][0]["unread"] == 0
    assert alice.get("/api/rooms/unread/").json() == {"total": 0}

    bob_client = as_user(bob)
    members = bob_client.get(f"/api/rooms/{room.pk}/members/").json()["results"]
    assert {member["user"]["id"]: member["last_read"] for member in members} == {
        user.pk: sent[2].pk,
        bob.pk: None,
    }


async def test_above_the_receipt_size_only_the_readers_tabs_hear_of_a_read(
    open_socket, room, user, bob, settings
):
    settings.CHAT_READ_RECEIPTS_MAX_MEMBERS = 1
    tab, other_tab, bob_socket = (
        await open_socket(user),
        await open_socket(user),
        await open_socket(bob),
    )
    message = await say(bob_socket, room, "hello", tab, other_tab)
    await tab.send_json_to({"type": "room.read", "room": room.pk, "message": message})
    for socket in (tab, other_tab):
        assert (await next_of(socket))["type"] == "room.read"
    later = await say(tab, room, "later", other_tab)
    assert (await next_of(bob_socket))["message"]["id"] == later


# Typing


async def test_typing_reaches_the_others_at_a_bounded_rate_and_is_never_stored(
    open_socket, room, user, bob
):
    clock = ManualClock()
    tab, other_tab, bob_socket = (
        await open_socket(user),
        await open_socket(user),
        await open_socket(bob),
    )
    get_typing_relay().clock = clock
    start = {"type": "typing.start", "room": room.pk}
    await tab.send_json_to(start)
    assert await next_of(bob_socket) == {"type": "typing.start", "room": room.pk, "user": ref(user)}
    await tab.send_json_to(start)  # within the refresh interval: not relayed
    clock.advance(3)
    await tab.send_json_to(start)  # a refresh later: relayed
    assert (await next_of(bob_socket))["type"] == "typing.start"
    await tab.send_json_to({"type": "typing.stop", "room": room.pk})
    assert await next_of(bob_socket) == {"type": "typing.stop", "room": room.pk, "user": ref(user)}
    await tab.send_json_to({"type": "typing.stop", "room": room.pk})  # nothing started
    # Stops between starts relay no more than a start each half second.
    for _ in range(5):
        await tab.send_json_to(start)
        await tab.send_json_to({"type": "typing.stop", "room": room.pk})
    marker = await say(tab, room, "marker", bob_socket)
    # The typist's own tabs heard none of it.
    assert (await next_of(other_tab))["message"]["id"] == marker
    assert await Message.objects.acount() == 1


async def test_typing_again_after_a_message_or_a_stop_shows_at_once(open_socket, room, user, bob):
    """bob drops the indicator at alice's message and at her stop: her typing again then is
    news to him, not a repeat held back until her next refresh."""
    clock = ManualClock()
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    get_typing_relay().clock = clock
    start, stop = ({"type": kind, "room": room.pk} for kind in ("typing.start", "typing.stop"))
    await tab.send_json_to(start)
    assert (await next_of(bob_socket))["type"] == "typing.start"
    clock.advance(0.5)
    await say(tab, room, "first", bob_socket)
    await tab.send_json_to(start)
    assert (await next_of(bob_socket))["type"] == "typing.start"
    await tab.send_json_to(stop)
    assert (await next_of(bob_socket))["type"] == "typing.stop"
    clock.advance(0.5)
    await tab.send_json_to(start)
    assert (await next_of(bob_socket))["type"] == "typing.start"


async def test_a_send_refused_leaves_the_typist_shown_until_they_stop(open_socket, room, user, bob):
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    await tab.send_json_to({"type": "typing.start", "room": room.pk})
    assert (await next_of(bob_socket))["type"] == "typing.start"
    empty = {"type": "message.send", "room": room.pk, "body": "   ", "client_id": "c-1"}
    await tab.send_json_to(empty)
    assert (await next_of(tab))["code"] == "invalid"
    await tab.send_json_to({"type": "typing.stop", "room": room.pk})
    # Before the message that follows: bob is told she stopped.
    marker = await say(tab, room, "marker")
    assert (await next_of(bob_socket))["type"] == "typing.stop"
    assert (await next_of(bob_socket))["message"]["id"] == marker


async def test_a_typist_whose_last_socket_closes_stops_typing(open_socket, room, user, bob):
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    await tab.send_json_to({"type": "typing.start", "room": room.pk})
    assert (await next_of(bob_socket))["type"] == "typing.start"
    await tab.disconnect()
    assert await next_of(bob_socket) == {"type": "typing.stop", "room": room.pk, "user": ref(user)}


async def test_typing_in_a_room_one_is_not_in_is_refused(open_socket, make_room, user, bob, carol):
    elsewhere = await sync_to_async(make_room)(bob, carol)
    tab = await open_socket(user)
    await tab.send_json_to({"type": "typing.start", "room": elsewhere.pk})
    # As for a message: a group is public (forbidden), a 1-to-1 not even seen (not found).
    expected = "not_found" if elsewhere.kind == Room.Kind.DIRECT else "forbidden"
    assert (await next_of(tab))["code"] == expected


# Edits, deletes, reactions and replies over the socket


async def test_edit_and_delete_over_the_socket_follow_the_rest_rules(open_socket, room, user, bob):
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    message = await say(tab, room, "tpyo", bob_socket)
    await bob_socket.send_json_to({"type": "message.edit", "message": message, "body": "mine now"})
    assert (await next_of(bob_socket))["code"] == "forbidden"
    await tab.send_json_to({"type": "message.edit", "message": message, "body": "typo"})
    for socket in (tab, bob_socket):
        updated = await next_of(socket)
        assert (updated["type"], updated["message"]["body"]) == ("message.updated", "typo")
        assert updated["message"]["edited"] is not None
        assert updated["message"]["change"] == 1  # the refused edit took no number
    await tab.send_json_to({"type": "message.delete", "message": message})
    for socket in (tab, bob_socket):
        deleted = await next_of(socket)
        assert (deleted["type"], deleted["message"]["body"]) == ("message.deleted", "")
        assert deleted["message"]["change"] == 2
    await tab.send_json_to({"type": "message.edit", "message": message, "body": "again"})
    assert (await next_of(tab))["code"] == "not_found"
    await tab.send_json_to({"type": "message.delete", "message": True})
    assert (await next_of(tab))["code"] == "invalid"


async def test_reactions_are_idempotent_and_counted_in_history(
    open_socket, as_user, room, user, bob
):
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    message = await say(bob_socket, room, "react to me", tab)
    add = {"type": "reaction.add", "message": message, "emoji": "👍🏽"}
    await tab.send_json_to(add)
    added = {
        "type": "reaction.added",
        "room": room.pk,
        "message": message,
        "user": ref(user),
        "emoji": "👍🏽",
        "count": 1,
        "change": 1,  # the room's first change to a stored message
    }
    for socket in (tab, bob_socket):
        assert await next_of(socket) == added
    await tab.send_json_to(add)  # again: nothing changes, nobody is told
    marker = await say(tab, room, "marker")
    assert (await next_of(bob_socket))["message"]["id"] == marker

    history = sync_to_async(
        lambda viewer: as_user(viewer).get(f"/api/rooms/{room.pk}/messages/").json()
    )
    reacted = next(m for m in (await history(user))["results"] if m["id"] == message)
    assert reacted["reactions"] == [{"emoji": "👍🏽", "count": 1, "me": True}]
    reacted = next(m for m in (await history(bob))["results"] if m["id"] == message)
    assert reacted["reactions"] == [{"emoji": "👍🏽", "count": 1, "me": False}]

    await tab.send_json_to({"type": "reaction.remove", "message": message, "emoji": "👍🏽"})
    for socket in (tab, bob_socket):
        assert await next_of(socket) == {
            **added,
            "type": "reaction.removed",
            "count": 0,
            "change": 2,
        }
    for emoji in ("a", "👍👍", "<b>", 7):
        await tab.send_json_to({"type": "reaction.add", "message": message, "emoji": emoji})
        assert (await next_of(tab))["code"] == "invalid"


def test_reactions_over_rest(as_user, room, user, bob):
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    url = f"/api/messages/{message.pk}/reactions/"
    alice = as_user(user)
    assert alice.post(url, {"emoji": "🎉"}, format="json").status_code == 201
    again = alice.post(url, {"emoji": "🎉"}, format="json")
    assert (again.status_code, again.json()["count"]) == (200, 1)
    gone = alice.delete(url + "?emoji=%F0%9F%8E%89")
    assert gone.status_code == 200
    assert gone.json() == {"message": message.pk, "emoji": "🎉", "count": 0, "me": False}
    # As the schema says: a 200 with that body, not a 204 with none.
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = schema["paths"]["/api/messages/{message_id}/reactions/"]["delete"]["responses"]
    assert "204" not in documented
    assert documented["200"]["content"]["application/json"]["schema"]
    assert alice.post(url, {"emoji": "no"}, format="json").status_code == 400
    # A deleted message keeps none: there is nothing left to react to.
    assert alice.post(url, {"emoji": "👍"}, format="json").status_code == 201
    assert as_user(bob).delete(f"/api/messages/{message.pk}/").status_code == 204
    (deleted,) = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert (deleted["deleted"] is not None, deleted["reactions"]) == (True, [])


def test_an_emoji_with_or_without_its_emoji_presentation_mark_is_one_reaction(
    as_user, room, user, bob
):
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    url = f"/api/messages/{message.pk}/reactions/"
    plain_heart, emoji_heart = "\u2764", "\u2764\ufe0f"
    assert as_user(user).post(url, {"emoji": plain_heart}, format="json").json()["emoji"] == (
        emoji_heart
    )
    both = as_user(bob).post(url, {"emoji": emoji_heart}, format="json").json()
    assert (both["emoji"], both["count"]) == (emoji_heart, 2)
    # Taken back in the form it was not stored in.
    gone = as_user(user).delete(url + "?emoji=%E2%9D%A4")
    assert (gone.json()["count"], gone.json()["me"]) == (1, False)


def test_a_user_puts_a_bounded_number_of_different_emoji_on_a_message(
    as_user, room, user, bob, settings
):
    settings.CHAT_MAX_REACTIONS_PER_USER = 2
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    url = f"/api/messages/{message.pk}/reactions/"
    alice = as_user(user)
    assert [alice.post(url, {"emoji": e}, format="json").status_code for e in "🎉👍"] == [201, 201]
    refused = alice.post(url, {"emoji": "😀"}, format="json")
    assert (refused.status_code, "At most 2" in refused.json()["emoji"][0]) == (400, True)
    assert alice.post(url, {"emoji": "👍"}, format="json").status_code == 200  # already there
    assert as_user(bob).post(url, {"emoji": "😀"}, format="json").status_code == 201


async def test_a_reply_quotes_its_message_and_shows_it_deleted(
    open_socket, as_user, make_room, room, user, bob, carol
):
    tab, bob_socket = await open_socket(user), await open_socket(bob)
    question = await say(bob_socket, room, "lunch?", tab)
    await tab.send_json_to({**send_frame(room, "yes!", "c-reply"), "reply_to": question})
    reply = (await next_of(tab))["message"]
    assert reply["reply_to"]["id"] == question
    assert (reply["reply_to"]["excerpt"], reply["reply_to"]["sender"]) == ("lunch?", ref(bob))
    assert reply["reply_to"]["deleted"] is False
    await next_of(bob_socket)

    elsewhere = await sync_to_async(make_room)(user, carol)
    await tab.send_json_to({**send_frame(elsewhere, "wrong room", "c-x"), "reply_to": question})
    error = await next_of(tab)
    assert (error["code"], error["ref"]) == ("invalid", "c-x")

    await bob_socket.send_json_to({"type": "message.delete", "message": question})
    await next_of(tab)
    page = await sync_to_async(
        lambda: as_user(user).get(f"/api/rooms/{room.pk}/messages/").json()
    )()
    quoted = next(m for m in page["results"] if m["id"] == reply["id"])["reply_to"]
    assert (quoted["deleted"], quoted["excerpt"]) == (True, "")


# Message numbers and gaps


async def test_messages_are_numbered_per_room_in_the_order_stored(
    open_socket, as_user, make_room, room, user, carol
):
    elsewhere = await sync_to_async(make_room)(user, carol)
    tab = await open_socket(user)
    for n in range(3):
        await tab.send_json_to(send_frame(room, f"here {n}", f"h{n}"))
        await tab.send_json_to(send_frame(elsewhere, f"there {n}", f"t{n}"))
    received = [(await next_of(tab))["message"] for _ in range(6)]
    assert [m["seq"] for m in received if m["room"] == room.pk] == [1, 2, 3]
    assert [m["seq"] for m in received if m["room"] == elsewhere.pk] == [1, 2, 3]
    post = await sync_to_async(as_user(user).post)(
        f"/api/rooms/{room.pk}/messages/", {"body": "rest", "client_id": "r"}, format="json"
    )
    assert post.json()["seq"] == 4


def test_concurrent_senders_get_distinct_consecutive_numbers(room, user, bob):
    """Senders in several threads at once, each its own connection and transaction: the room's
    numbers are 1..n, none twice, in the order the messages were stored."""

    def send_some(sender, thread: int) -> None:
        try:
            for n in range(5):
                send_message(sender, room.pk, f"{thread}-{n}", f"c-{thread}-{n}")
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=6) as pool:
        for future in [pool.submit(send_some, (user, bob)[t % 2], t) for t in range(6)]:
            future.result()
    numbers = list(Message.objects.filter(room=room).order_by("id").values_list("seq", flat=True))
    assert numbers == list(range(1, 31))


@pytest.mark.parametrize(
    ("event_type", "number"), [("message.new", "seq"), ("reaction.added", "change")]
)
async def test_a_message_or_change_that_does_not_arrive_makes_the_rooms_sockets_resync(
    open_socket, room, user, event_type, number
):
    tab = await open_socket(user)
    hub = get_hub()

    async def arrives(seq: int) -> None:
        frame = encode({"type": event_type, number: seq})
        await hub.dispatch({"type": "fanout.room", "room": room.pk, "frame": frame, number: seq})
        assert (await next_of(tab))[number] == seq

    await arrives(1)
    await arrives(3)  # 2 may be on its way from another process
    await arrives(2)  # it was: no gap
    await arrives(5)
    await arrives(6)  # 4 never came
    assert await next_of(tab) == {"type": "room.resync", "room": room.pk}


async def test_a_stored_message_whose_event_never_came_makes_the_rooms_sockets_resync(
    open_socket, room, user, bob
):
    """Its process died between storing and publishing it, and no message came after it: the
    hub's look at the stored numbers finds it, one look after the look that saw it stored."""
    tab = await open_socket(user)
    hub = get_hub()
    await hub.check_stored_numbers()
    # Stored by a send whose event goes nowhere.
    await sync_to_async(Message.objects.create)(room=room, sender=bob, body="lost", client_id="1")
    await hub.check_stored_numbers()  # it may still be on its way
    await hub.check_stored_numbers()
    assert await next_of(tab) == {"type": "room.resync", "room": room.pk}
    # One that arrives between two looks is no gap: the next frame is the message after it.
    await say(tab, room, "arrives")
    await hub.check_stored_numbers()
    await hub.check_stored_numbers()
    await say(tab, room, "and the next")


async def test_a_stored_change_whose_event_never_came_makes_the_rooms_sockets_resync(
    open_socket, room, user, bob
):
    """An edit, a deletion or a reaction numbered and stored by a process that died before it
    published it: the look at the stored numbers finds it as it finds a lost message."""
    tab = await open_socket(user)
    hub = get_hub()
    message_id = await say(tab, room, "to react to")
    await hub.check_stored_numbers()
    await Room.objects.filter(pk=room.pk).aupdate(last_change=F("last_change") + 1)
    await hub.check_stored_numbers()  # it may still be on its way
    await hub.check_stored_numbers()
    assert await next_of(tab) == {"type": "room.resync", "room": room.pk}
    # One that arrives between two looks is no gap: the next frame is the message after it.
    await sync_to_async(add_reaction)(bob, message_id, "\U0001f44d")
    assert (await next_of(tab))["type"] == "reaction.added"
    await hub.check_stored_numbers()
    await hub.check_stored_numbers()
    await say(tab, room, "and the next")


async def test_another_processs_batch_published_first_is_no_gap(open_socket, room, user):
    """Two processes store batches in one room: the later batch (3, 4) may reach the layer
    before the earlier one (2). Its numbers, arriving together, do not prove 2 lost."""
    tab = await open_socket(user)
    hub = get_hub()

    async def batch_arrives(*seqs: int) -> None:
        events = [
            {"type": "fanout.room", "room": room.pk, "seq": seq, "frame": encode({"seq": seq})}
            for seq in seqs
        ]
        await hub.dispatch({"type": "fanout.room_batch", "room": room.pk, "events": events})
        assert [(await next_of(tab))["seq"] for _ in seqs] == list(seqs)

    await batch_arrives(1)
    await batch_arrives(3, 4)
    await batch_arrives(2)
    await batch_arrives(5)  # the next frame is 5, not a resync


# The room list


@pytest.mark.parametrize("count", [1, 10, 100])
def test_the_room_list_costs_the_same_queries_for_any_number_of_rooms(
    as_user, make_room, make_user, user, django_assert_max_num_queries, count
):
    others = [make_user(f"u{n}") for n in range(count)]
    for other in others:
        room = make_room(user, other)
        Message.objects.create(room=room, sender=other, body="hi", client_id=f"c{other.pk}")
    with django_assert_max_num_queries(3):  # count, page, the page's last messages
        page = as_user(user).get("/api/rooms/?limit=200").json()
    assert len(page["results"]) == count
    assert all(summary["unread"] == 1 for summary in page["results"])


def test_the_room_list_is_compiled_once_and_pages_each_users_own_rooms(
    as_user, make_room, user, bob, carol, compiled_models
):
    ours, theirs = make_room(user, bob), make_room(bob, carol)
    Message.objects.create(room=theirs, sender=carol, body="later", client_id="c-1")
    as_user(user).get("/api/rooms/")  # the statement is compiled here, if not before
    compiled_models.clear()
    mine = as_user(user).get("/api/rooms/").json()
    bobs = as_user(bob).get("/api/rooms/").json()
    assert Room not in compiled_models
    assert [summary["id"] for summary in mine["results"]] == [ours.pk]
    assert [(summary["id"], summary["unread"]) for summary in bobs["results"]] == [
        (theirs.pk, 1),
        (ours.pk, 0),
    ]
    assert (mine["count"], bobs["count"]) == (1, 2)
    # A full page is counted by the ORM's COUNT query.
    for offset, room in enumerate([theirs, ours]):
        page = as_user(bob).get(f"/api/rooms/?limit=1&offset={offset}").json()
        assert ([summary["id"] for summary in page["results"]], page["count"]) == ([room.pk], 2)


def test_the_room_list_says_what_happened_where(as_user, make_room, room, user, bob, carol):
    quiet = make_room(user, carol)
    Message.objects.create(room=room, sender=bob, body="x" * 300, client_id="1")
    rooms = as_user(user).get("/api/rooms/").json()["results"]
    assert [summary["id"] for summary in rooms] == [room.pk, quiet.pk]  # latest activity first
    busy, quiet_summary = rooms
    assert busy["last_message"]["excerpt"] == "x" * 100
    assert busy["last_message"]["sender"] == ref(bob)
    assert quiet_summary["last_message"] is None
    direct = quiet.kind == Room.Kind.DIRECT
    assert quiet_summary["peer"] == (ref(carol) if direct else None)
    Message.objects.create(room=quiet, sender=user, body="now here", client_id="2")
    rooms = as_user(user).get("/api/rooms/").json()["results"]
    assert [summary["id"] for summary in rooms] == [quiet.pk, room.pk]


# Search


def test_search_finds_words_in_my_rooms_only(as_user, make_room, room, user, bob, carol):
    theirs = make_room(bob, carol)
    for where, sender, body in [
        (room, bob, "Lunch at noon?"),
        (room, user, "lunch is good"),
        (room, bob, "dinner later"),
        (theirs, carol, "lunch without alice"),
    ]:
        Message.objects.create(room=where, sender=sender, body=body, client_id=body)
    alice = as_user(user)
    found = alice.get("/api/messages/search/?q=lunch").json()
    assert [m["body"] for m in found["results"]] == ["lunch is good", "Lunch at noon?"]
    assert found["count"] == 2
    one_room = alice.get(f"/api/messages/search/?q=dinner&room={room.pk}").json()
    assert [m["body"] for m in one_room["results"]] == ["dinner later"]
    outside = alice.get(f"/api/messages/search/?q=lunch&room={theirs.pk}").status_code
    assert outside == (404 if theirs.kind == Room.Kind.DIRECT else 403)
    assert alice.get("/api/messages/search/?q=").status_code == 400
    assert alice.get("/api/messages/search/?q=x&room=abc").status_code == 400


def test_message_searches_are_throttled_per_user(settings, as_user, user, bob):
    use_production_throttle_rates(settings, message_search="3/minute")
    client = as_user(user)
    statuses = [client.get("/api/messages/search/", {"q": "hi"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert as_user(bob).get("/api/messages/search/", {"q": "hi"}).status_code == 200


@pytest.mark.postgresql
def test_search_on_postgresql_uses_its_index(as_user, room, user):
    # The suite builds tables without migrations: create the index as migration 0002 does.
    with connection.schema_editor() as editor:
        search_index_migration.create_index(apps, editor)
    # A room in use, its table analysed as autovacuum keeps it: in a room of a few messages,
    # reading them all costs no more than the index, and the planner may rightly do that.
    Message.objects.bulk_create(
        Message(room=room, sender=user, body=f"chatter {n}", client_id=f"c{n}", seq=n + 1)
        for n in range(2000)
    )
    Message.objects.create(room=room, sender=user, body="needle", client_id="n", seq=2001)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chat_message")
    query = search_messages(user, "needle")
    plan = query.explain()
    assert "message_body_search" in plan
    assert [m.body for m in query] == ["needle"]


@pytest.mark.postgresql
def test_search_on_postgresql_finds_words_by_their_beginning_while_typing(room, user):
    Message.objects.create(room=room, sender=user, body="Running quickly", client_id="1")
    Message.objects.create(room=room, sender=user, body="Walking slowly", client_id="2")

    def found(query: str) -> list[str]:
        return [message.body for message in search_messages(user, query)]

    assert found("run") == found("RUNNING quick") == ["Running quickly"]
    assert found("quickly running") == ["Running quickly"]
    assert found("run slow") == []
    # websearch's syntax keeps its meaning: a phrase, an exclusion, or.
    assert found('"quickly running"') == []
    assert found("-walking") == ["Running quickly"]
    assert sorted(found("running or walking")) == ["Running quickly", "Walking slowly"]
    assert found("run:* | walk") == []  # the raw syntax's signs are no syntax here
