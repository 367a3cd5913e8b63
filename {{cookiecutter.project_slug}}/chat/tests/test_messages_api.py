"""REST: history with cursors, sending (idempotent), editing and deleting, and every refusal."""

import pytest
from django.core.management import call_command

from attachments.models import Attachment
from chat.models import Membership, Message, Reaction, Room

pytestmark = pytest.mark.django_db


def post(client, room, body="hello", client_id="c-1"):
    return client.post(
        f"/api/rooms/{room.pk}/messages/", {"body": body, "client_id": client_id}, format="json"
    )


def test_send_then_resend_with_the_same_client_id(as_user, room, user):
    client = as_user(user)
    first = post(client, room, "  hello  ")
    assert first.status_code == 201
    assert first.data["body"] == "hello"
    assert first.data["sender"] == {
        "id": user.pk,
        "username": "alice",
        "display_name": "",
        "avatar": None,
    }
    again = post(client, room, "hello")
    assert again.status_code == 200
    assert again.data["id"] == first.data["id"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "   ", "client_id": "c"}, "body"),
        ({"body": "x" * 4001, "client_id": "c"}, "body"),
        ({"body": 5, "client_id": "c"}, "body"),
        ({"body": "hi"}, "client_id"),
        ({"body": "hi", "client_id": "x" * 65}, "client_id"),
    ],
)
def test_send_refuses_invalid_fields(as_user, room, user, payload, field):
    response = as_user(user).post(f"/api/rooms/{room.pk}/messages/", payload, format="json")
    assert response.status_code == 400
    assert field in response.data
    assert not Message.objects.exists()


def test_send_refuses_a_body_that_is_not_an_object(as_user, room, user):
    response = as_user(user).post(f"/api/rooms/{room.pk}/messages/", [1, 2], format="json")
    assert response.status_code == 400


def test_body_is_stored_as_sent_not_as_html(as_user, room, user):
    post(as_user(user), room, "<script>alert(1)</script>")
    assert Message.objects.get().body == "<script>alert(1)</script>"


# An outsider is refused a group's room (which anyone may see) and told a 1-to-1 conversation
# does not exist (test_group_rooms.py and test_direct_rooms.py have the rest).
OUTSIDER_STATUS = {Room.Kind.GROUP: 403, Room.Kind.DIRECT: 404}


def test_outsiders_neither_read_nor_post(as_user, room, carol):
    client = as_user(carol)
    refused = OUTSIDER_STATUS[room.kind]
    assert post(client, room).status_code == refused
    assert client.get(f"/api/rooms/{room.pk}/messages/").status_code == refused
    assert client.get(f"/api/rooms/{room.pk}/members/").status_code == refused
    assert not Message.objects.exists()


def test_history_pages_newest_first_back_with_before_and_forward_with_after(
    as_user, room, user, settings
):
    settings.CHAT_MESSAGES_PAGE_SIZE = 3
    ids = [
        Message.objects.create(room=room, sender=user, body=f"m{n}", client_id=f"{n}").pk
        for n in range(7)
    ]
    client = as_user(user)
    first = client.get(f"/api/rooms/{room.pk}/messages/").data
    assert [m["id"] for m in first["results"]] == ids[:-4:-1]
    assert first["next"].endswith(f"?before={ids[4]}")
    second = client.get(first["next"]).data
    assert [m["id"] for m in second["results"]] == [ids[3], ids[2], ids[1]]
    last = client.get(second["next"]).data
    assert [m["id"] for m in last["results"]] == [ids[0]]
    assert last["next"] is None

    caught_up = client.get(f"/api/rooms/{room.pk}/messages/?after={ids[1]}").data
    assert [m["id"] for m in caught_up["results"]] == ids[2:5]
    assert caught_up["next"].endswith(f"?after={ids[4]}")
    from_the_first = client.get(f"/api/rooms/{room.pk}/messages/?after=0").data
    assert [m["id"] for m in from_the_first["results"]] == ids[:3]
    bad = client.get(f"/api/rooms/{room.pk}/messages/?after=x")
    assert bad.status_code == 400
    both = client.get(f"/api/rooms/{room.pk}/messages/?after={ids[1]}&before={ids[5]}")
    refused = "Give one of before, after, changed_after, not before and after."
    assert (both.status_code, both.data) == (400, {"after": [refused]})


def test_history_pages_are_compiled_once_and_keep_each_members_cut(
    as_user, room, user, bob, compiled_models
):
    ids = [
        Message.objects.create(room=room, sender=user, body=f"m{n}", client_id=f"{n}").pk
        for n in range(5)
    ]
    Membership.objects.filter(room=room, user=bob).update(history_from=ids[1])
    url = f"/api/rooms/{room.pk}/messages/"
    shapes = ("", f"?before={ids[4]}", f"?after={ids[0]}")
    for shape in shapes:
        as_user(user).get(url + shape)  # each statement is compiled here, if not before
    compiled_models.clear()
    pages = {
        (reader.username, shape): [
            message["id"] for message in as_user(reader).get(url + shape).data["results"]
        ]
        for reader in (user, bob)
        for shape in shapes
    }
    assert not {Message, Membership, Reaction, Attachment} & set(compiled_models)
    assert pages == {
        (user.username, ""): ids[::-1],
        (user.username, f"?before={ids[4]}"): ids[3::-1],
        (user.username, f"?after={ids[0]}"): ids[1:],
        # bob's history starts after ids[1].
        (bob.username, ""): ids[:1:-1],
        (bob.username, f"?before={ids[4]}"): [ids[3], ids[2]],
        (bob.username, f"?after={ids[0]}"): ids[2:],
    }


def test_a_page_counts_its_own_rooms_reactions_among_interleaved_rooms(
    as_user, make_room, room, user, bob, carol
):
    # The two rooms' messages take turns, so the other room's fall between this page's ids.
    other = make_room(user, carol)
    ours, theirs = [], []
    for n in range(3):
        ours.append(Message.objects.create(room=room, sender=bob, body="o", client_id=f"o{n}"))
        theirs.append(Message.objects.create(room=other, sender=carol, body="t", client_id=f"t{n}"))
    Reaction.objects.create(message=theirs[1], user=carol, emoji="🙂")
    Reaction.objects.create(message=ours[1], user=bob, emoji="👍")
    Reaction.objects.create(message=ours[1], user=user, emoji="👍")
    page = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert [(message["id"], message["reactions"]) for message in page] == [
        (ours[2].pk, []),
        (ours[1].pk, [{"emoji": "👍", "count": 2, "me": True}]),
        (ours[0].pk, []),
    ]


def test_edit_is_for_the_sender_only(as_user, room, user, bob, carol):
    message = Message.objects.create(room=room, sender=bob, body="tpyo", client_id="1")
    url = f"/api/messages/{message.pk}/"
    assert as_user(user).patch(url, {"body": "typo"}, format="json").status_code == 403
    assert as_user(carol).patch(url, {"body": "typo"}, format="json").status_code == 404
    response = as_user(bob).patch(url, {"body": "typo"}, format="json")
    assert response.status_code == 200
    assert (response.data["body"], response.data["edited"] is not None) == ("typo", True)
    assert as_user(bob).patch(url, {"body": ""}, format="json").status_code == 400


def test_delete_by_the_sender_is_soft(as_user, room, user, bob):
    # A group's owner and admins may delete others' messages too: test_group_rooms.py.
    mine = Message.objects.create(room=room, sender=bob, body="a", client_id="1")
    assert as_user(bob).delete(f"/api/messages/{mine.pk}/").status_code == 204
    mine.refresh_from_db()
    assert (mine.body, mine.deleted is not None) == ("", True)
    assert as_user(bob).delete(f"/api/messages/{mine.pk}/").status_code == 404
    # bob is a plain member in either kind of room: not someone else's to delete.
    alices = Message.objects.create(room=room, sender=user, body="b", client_id="2")
    assert as_user(bob).delete(f"/api/messages/{alices.pk}/").status_code == 403


@pytest.mark.parametrize("count", [2, 20])
def test_list_endpoints_run_a_constant_number_of_queries(
    as_user, make_room, make_user, user, django_assert_max_num_queries, count
):
    others = [make_user(f"u{n}") for n in range(count)]
    rooms = [make_room(user, other) for other in others]
    for n in range(count):
        sender = (user, others[0])[n % 2]
        Message.objects.create(room=rooms[0], sender=sender, body="x", client_id=f"{n}")
    client = as_user(user)
    with django_assert_max_num_queries(3):  # count, page, the page's last messages
        client.get("/api/rooms/")
    with django_assert_max_num_queries(4):  # membership, page, its reactions, its attachments
        client.get(f"/api/rooms/{rooms[0].pk}/messages/")
    with django_assert_max_num_queries(3):  # membership, count, page
        client.get(f"/api/rooms/{rooms[0].pk}/members/")


def test_openapi_schema_generates_without_warnings(as_user, user, tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert as_user(user).get("/api/schema/").status_code == 200
    assert as_user(user).get("/api/docs/").status_code == 200


def test_malformed_or_unknown_ids_are_not_found_not_errors(as_user, user):
    client = as_user(user)
    for url in [
        "/api/rooms/abc/",
        "/api/rooms/1.5/members/",
        "/api/rooms/x/messages/",
        "/api/rooms/999999/messages/",
    ]:
        assert client.get(url).status_code == 404
