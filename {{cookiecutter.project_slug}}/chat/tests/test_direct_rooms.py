"""1-to-1 conversations: one per pair, by database constraint; nobody else gets in; started
by a first message, so that probing user ids shows nobody anything and is throttled."""

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from accounts.deletion import delete_account
from accounts.tests.throttling import use_production_throttle_rates
from chat.models import Membership, Room
from chat.tests.fixtures_direct import direct_room

# REST-only tests need no committed data: publishing (on commit) is the socket tests' job.
rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


def first_message(other_id, client_id: str = "1", body: str = "hi") -> dict:
    return {"user": other_id, "body": body, "client_id": client_id}


@rest
def test_a_first_message_starts_one_conversation_per_pair(as_user, user, bob):
    first = as_user(user).post("/api/direct/", first_message(bob.pk), format="json")
    assert first.status_code == 201, first.data
    room = first.data["room"]
    assert (room["kind"], room["member_count"], room["role"]) == ("direct", 2, "member")
    assert (first.data["message"]["body"], first.data["message"]["room"]) == ("hi", room["id"])

    opened = as_user(bob).post("/api/direct/", {"user": user.pk}, format="json")
    assert (opened.status_code, opened.data["room"]["id"], opened.data["message"]) == (
        200,
        room["id"],
        None,
    )
    answer = as_user(bob).post("/api/direct/", first_message(user.pk, "b1", "hello"), format="json")
    assert (answer.status_code, answer.data["room"]["id"]) == (200, room["id"])
    assert answer.data["message"]["body"] == "hello"
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1


@rest
def test_without_a_message_every_user_looks_alike_and_nothing_is_created(
    as_user, user, bob, make_user
):
    inactive = make_user("gone", is_active=False)
    client = as_user(user)
    answers = [
        client.post("/api/direct/", {"user": other_id}, format="json")
        for other_id in (bob.pk, inactive.pk, 999999)
    ]
    assert {(answer.status_code, str(answer.data["detail"])) for answer in answers} == {
        (404, "No conversation with this user: send a first message to start one.")
    }
    assert not Room.objects.exists()
    assert as_user(bob).get("/api/rooms/").data["results"] == []


@rest
def test_a_user_who_does_not_exist_and_an_inactive_one_look_alike(as_user, user, make_user):
    inactive = make_user("gone", is_active=False)
    answers = [
        as_user(user).post("/api/direct/", first_message(other_id), format="json")
        for other_id in (inactive.pk, 999999)
    ]
    assert [(answer.status_code, str(answer.data["detail"])) for answer in answers] == [
        (404, "No such user.")
    ] * 2
    assert not Room.objects.exists()


@rest
@pytest.mark.parametrize(("other", "status"), [("self", 400), ("x", 400), (None, 400)])
def test_refuses_bad_partners(as_user, user, other, status):
    target = user.pk if other == "self" else other
    response = as_user(user).post("/api/direct/", first_message(target), format="json")
    assert response.status_code == status


@rest
def test_a_refused_first_message_starts_nothing(as_user, user, bob):
    response = as_user(user).post("/api/direct/", first_message(bob.pk, body="  "), format="json")
    assert (response.status_code, list(response.data)) == (400, ["body"])
    missing_client_id = {"user": bob.pk, "body": "hi"}
    assert as_user(user).post("/api/direct/", missing_client_id, format="json").status_code == 400
    assert not Room.objects.exists()


@rest
def test_the_first_message_cannot_reply_or_carry_files_and_later_ones_can(as_user, user, bob):
    """Files are uploaded to the conversation's room, and a reply quotes one of its messages:
    asked of the message that starts it, they are refused, not dropped without a word."""
    client = as_user(user)
    for field, value in (("attachments", [1]), ("reply_to", 1)):
        asked = {**first_message(bob.pk), field: value}
        refused = client.post("/api/direct/", asked, format="json")
        assert (refused.status_code, list(refused.data)) == (400, [field])
    assert not Room.objects.exists()
    first = client.post("/api/direct/", first_message(bob.pk), format="json")
    assert first.status_code == 201, first.data
    reply = {**first_message(bob.pk, "2", "and more"), "reply_to": first.data["message"]["id"]}
    answer = client.post("/api/direct/", reply, format="json")
    assert answer.status_code == 200, answer.data
    assert answer.data["message"]["reply_to"]["id"] == first.data["message"]["id"]


@rest
def test_starting_conversations_is_throttled_per_user(settings, as_user, user, bob, carol):
    use_production_throttle_rates(settings)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["direct"].split("/")[0])
    client = as_user(user)
    assert client.post("/api/direct/", first_message(bob.pk), format="json").status_code == 201
    probes = [
        client.post("/api/direct/", first_message(1_000_000 + n, f"p{n}"), format="json")
        for n in range(limit - 1)
    ]
    assert {probe.status_code for probe in probes} == {404}
    refused = client.post("/api/direct/", first_message(carol.pk, "c"), format="json")
    assert refused.status_code == 429
    assert not Room.objects.filter(direct_pair__contains=str(carol.pk)).exists()
    # A conversation you have is still yours to open and write to.
    again = client.post("/api/direct/", first_message(bob.pk, "2", "again"), format="json")
    assert again.status_code == 200
    # The count is per user: another user starts theirs.
    theirs = as_user(bob).post("/api/direct/", first_message(carol.pk), format="json")
    assert theirs.status_code == 201


@rest
def test_the_pair_is_unique_in_the_database(user, bob):
    direct_room(user, bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        direct_room(bob, user)


@rest
def test_nobody_else_sees_joins_or_writes_to_a_conversation(as_user, user, bob, carol):
    room = direct_room(user, bob)
    client = as_user(carol)
    assert client.post(f"/api/rooms/{room.pk}/join/").status_code in (404, 405)
    assert client.get(f"/api/rooms/{room.pk}/").status_code == 404
    assert client.get(f"/api/rooms/{room.pk}/members/").status_code == 404
    assert client.get(f"/api/rooms/{room.pk}/messages/").status_code == 404
    message = {"body": "hello", "client_id": "c-1"}
    assert client.post(f"/api/rooms/{room.pk}/messages/", message, format="json").status_code == 404
    assert client.get("/api/rooms/").data["results"] == []


@rest
def test_the_room_list_shows_my_conversations_only(as_user, user, bob, carol):
    mine = direct_room(user, bob)
    direct_room(bob, carol)
    rooms = as_user(user).get("/api/rooms/").data["results"]
    assert [(r["id"], r["kind"], r["member_count"], r["role"]) for r in rooms] == [
        (mine.pk, "direct", 2, "member")
    ]


@live
async def test_the_other_user_hears_of_a_conversation_with_its_first_message(
    open_socket, as_user, user, bob
):
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    post = sync_to_async(as_user(user).post)
    assert (await post("/api/direct/", {"user": bob.pk}, format="json")).status_code == 404
    created = await post("/api/direct/", first_message(bob.pk), format="json")
    room_id = created.data["room"]["id"]
    for socket, other in ((alice, bob), (bob_socket, user)):
        # The probe without a message sent nothing: the first frame is of the conversation,
        # naming the other person.
        joined = await socket.receive_json_from()
        assert joined["type"] == "room.joined"
        assert {key: joined["room"][key] for key in ("id", "kind", "name", "visibility")} == {
            "id": room_id,
            "kind": "direct",
            "name": "",
            "visibility": "private",
        }
        assert (joined["room"]["peer"]["id"], joined["room"]["peer"]["username"]) == (
            other.pk,
            other.username,
        )
        while (event := await socket.receive_json_from())["type"] != "message.new":
            assert event["type"] == "member.joined"
        assert event["message"]["body"] == "hi"
    await alice.send_json_to(
        {"type": "message.send", "room": room_id, "body": "and then", "client_id": "2"}
    )
    while (event := await bob_socket.receive_json_from())["type"] != "message.new":
        pass
    assert event["message"]["body"] == "and then"


@rest
def test_a_first_message_to_a_user_in_as_many_rooms_as_allowed_starts_nothing(
    as_user, user, bob, carol, settings
):
    settings.CHAT_MAX_ROOMS_PER_USER = 1
    direct_room(bob, carol)
    refused = as_user(user).post("/api/direct/", first_message(bob.pk), format="json")
    assert refused.status_code == 403
    assert "at most 1 rooms, and bob is in as many" in refused.data["detail"]
    assert not Membership.objects.filter(user=user).exists()
    assert Room.objects.count() == 1


@rest
def test_a_conversation_whose_other_person_deleted_their_account_takes_no_more_messages(
    as_user, user, bob
):
    room = direct_room(user, bob)
    delete_account(user)
    sent = as_user(bob).post(
        f"/api/rooms/{room.pk}/messages/", {"body": "are you gone?", "client_id": "b1"}
    )
    assert (sent.status_code, "deleted their account" in sent.data["detail"]) == (403, True)
    assert not room.messages.exists()
    # The history stays his to read.
    assert as_user(bob).get(f"/api/rooms/{room.pk}/messages/").status_code == 200
