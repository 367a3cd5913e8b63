"""1-to-1 conversations: one per pair, by database constraint; nobody else gets in."""

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from chat.models import Room

# REST-only tests need no committed data: publishing (on commit) is the socket tests' job.
rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


@rest
def test_get_or_create_returns_one_conversation_per_pair(as_user, user, bob):
    first = as_user(user).post("/api/direct/", {"user": bob.pk}, format="json")
    assert first.status_code == 201
    assert (first.data["kind"], first.data["member_count"]) == ("direct", 2)
    again = as_user(bob).post("/api/direct/", {"user": user.pk}, format="json")
    assert (again.status_code, again.data["id"]) == (200, first.data["id"])


@rest
@pytest.mark.parametrize(("other", "status"), [("self", 400), (999999, 404), ("x", 400)])
def test_get_or_create_refuses_bad_partners(as_user, user, other, status):
    target = user.pk if other == "self" else other
    assert as_user(user).post("/api/direct/", {"user": target}, format="json").status_code == status


@rest
def test_the_pair_is_unique_in_the_database(make_room, user, bob):
    make_room(user, bob, kind=Room.Kind.DIRECT)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_room(bob, user, kind=Room.Kind.DIRECT)


@rest
def test_nobody_joins_a_direct_conversation(as_user, make_room, user, bob, carol):
    room = make_room(user, bob, kind=Room.Kind.DIRECT)
    assert as_user(carol).post(f"/api/rooms/{room.pk}/join/").status_code in (404, 405)
    assert as_user(carol).get(f"/api/rooms/{room.pk}/").status_code == 404


@live
async def test_both_users_sockets_follow_a_new_conversation(open_socket, as_user, user, bob):
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    created = await sync_to_async(as_user(user).post)(
        "/api/direct/", {"user": bob.pk}, format="json"
    )
    for socket in (alice, bob_socket):
        events = [await socket.receive_json_from(), await socket.receive_json_from()]
        joined = [e for e in events if e["type"] == "room.joined"]
        assert joined and joined[0]["room"]["id"] == created.data["id"]
    await alice.send_json_to(
        {"type": "message.send", "room": created.data["id"], "body": "hi", "client_id": "1"}
    )
    assert (await bob_socket.receive_json_from())["message"]["body"] == "hi"
