"""Messages that carry attachments: sent over REST and the socket, shown in history, deleted."""

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attachments.models import Attachment
from chat.domain.sending import SendRequest, send_messages
from chat.models import Message, Room
from chat.tests.frames import send_frame

from .conftest import PDF, stored_files

pytestmark = pytest.mark.django_db


def send(as_user, user, room, attachments, body="look", client_id="c-1"):
    return as_user(user).post(
        f"/api/rooms/{room.pk}/messages/",
        {"body": body, "client_id": client_id, "attachments": attachments},
        format="json",
    )


def test_a_message_carries_several_attachments_in_the_order_given(as_user, uploaded, user, room):
    photo, report = uploaded(user, room), uploaded(user, room, PDF, "report.pdf")
    response = send(as_user, user, room, [report.pk, photo.pk])
    assert response.status_code == 201, response.data
    carried = response.data["attachments"]
    assert [item["id"] for item in carried] == [report.pk, photo.pk]
    assert carried[1] == {
        "id": photo.pk,
        "name": "photo.png",
        "content_type": "image/png",
        "size": photo.size,
        "width": 64,
        "height": 32,
        "url": f"/api/attachments/{photo.pk}/",
        "thumbnail_url": f"/api/attachments/{photo.pk}/thumbnail/",
    }
    message = Message.objects.get()
    assert set(Attachment.objects.values_list("message", flat=True)) == {message.pk}
    # The same in history, and in a resend's answer.
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert history[0]["attachments"] == carried
    resent = send(as_user, user, room, [report.pk, photo.pk])
    assert (resent.status_code, resent.data["attachments"]) == (200, carried)


def test_a_message_of_attachments_alone_needs_no_text(as_user, uploaded, user, room):
    response = send(as_user, user, room, [uploaded(user, room).pk], body="")
    assert (response.status_code, response.data["body"]) == (201, "")
    assert send(as_user, user, room, [], body="", client_id="c-2").status_code == 400


def test_an_edit_may_take_away_the_caption_of_files_but_not_the_text_of_a_message_without(
    as_user, uploaded, user, room
):
    with_files = send(as_user, user, room, [uploaded(user, room).pk], body="caption").data
    words = send(as_user, user, room, [], body="words", client_id="c-2").data
    edited = as_user(user).patch(f"/api/messages/{with_files['id']}/", {"body": " "}, format="json")
    assert (edited.status_code, edited.data["body"]) == (200, "")
    assert len(edited.data["attachments"]) == 1
    refused = as_user(user).patch(f"/api/messages/{words['id']}/", {"body": ""}, format="json")
    assert (refused.status_code, refused.data) == (400, {"body": ["body must not be empty."]})
    assert Message.objects.get(pk=words["id"]).body == "words"


@pytest.mark.parametrize(
    "whose",
    ["another member's", "of another room", "already sent", "no such", "repeated", "not an id"],
)
def test_a_send_naming_an_attachment_it_may_not_carry_is_refused_and_stores_nothing(
    as_user, uploaded, make_room, user, bob, carol, room, whose
):
    mine = uploaded(user, room)
    elsewhere = make_room(user, carol)
    ids = {
        "another member's": lambda: [uploaded(bob, room).pk],
        "of another room": lambda: [uploaded(user, elsewhere).pk],
        "already sent": lambda: [sent_with_a_message(as_user, user, room, uploaded)],
        "no such": lambda: [mine.pk + 1000],
        "repeated": lambda: [mine.pk, mine.pk],
        "not an id": lambda: ["photo.png"],
    }[whose]()
    messages, last_seq = Message.objects.count(), Room.objects.get(pk=room.pk).last_seq
    response = send(as_user, user, room, [mine.pk, *ids] if whose != "repeated" else ids)
    assert response.status_code == 400, response.data
    assert "attachments" in response.data
    assert (Message.objects.count(), Room.objects.get(pk=room.pk).last_seq) == (messages, last_seq)
    assert Attachment.objects.get(pk=mine.pk).message is None


def sent_with_a_message(as_user, user, room, uploaded) -> int:
    attachment = uploaded(user, room)
    assert send(as_user, user, room, [attachment.pk], client_id="c-first").status_code == 201
    return attachment.pk


def test_a_message_carries_at_most_the_limit(as_user, uploaded, user, room, settings):
    settings.ATTACHMENTS_MAX_PER_MESSAGE = 2
    ids = [uploaded(user, room).pk for _ in range(3)]
    response = send(as_user, user, room, ids)
    assert (response.status_code, response.data) == (
        400,
        {"attachments": ["A message carries at most 2 attachments."]},
    )
    assert send(as_user, user, room, ids[:2]).status_code == 201


def test_a_refused_attachment_fails_its_send_alone_in_a_batch(uploaded, user, bob, room):
    theirs, mine = uploaded(bob, room), uploaded(user, room)
    results = send_messages(
        [
            SendRequest(user, room.pk, "first", "c-1"),
            SendRequest(user, room.pk, "not mine", "c-2", attachments=[theirs.pk]),
            SendRequest(user, room.pk, "mine", "c-3", attachments=[mine.pk]),
        ]
    )
    assert [result[0].body for result in (results[0], results[2])] == ["first", "mine"]
    assert results[1].code == "invalid" and "attachments" in results[1].detail
    assert list(Message.objects.order_by("seq").values_list("body", "seq")) == [
        ("first", 1),
        ("mine", 2),
    ]
    assert Attachment.objects.get(pk=mine.pk).message.body == "mine"


@pytest.mark.parametrize("count", [2, 20])
def test_history_reads_every_attachment_of_a_page_in_one_query(
    as_user, uploaded, user, room, django_assert_max_num_queries, count
):
    for n in range(count):
        ids = [uploaded(user, room).pk, uploaded(user, room, PDF, "a.pdf").pk]
        assert send(as_user, user, room, ids, client_id=f"c-{n}").status_code == 201
    with django_assert_max_num_queries(4):  # membership, page, its reactions, its attachments
        page = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert [len(message["attachments"]) for message in page] == [2] * count


def test_a_page_of_changes_reads_every_attachment_and_reaction_in_one_query(
    as_user, uploaded, user, bob, room, django_assert_max_num_queries
):
    """A reconnect's catch-up on changes (?changed_after=): its messages are scattered over
    the room, not a range of ids as other pages are."""
    for n in range(4):
        ids = [uploaded(user, room).pk, uploaded(user, room, PDF, "a.pdf").pk]
        answer = send(as_user, user, room, ids, client_id=f"c-{n}")
        assert answer.status_code == 201, answer.data
        reactions = f"/api/messages/{answer.data['id']}/reactions/"
        assert as_user(bob).post(reactions, {"emoji": "\U0001f389"}).status_code == 201
    with django_assert_max_num_queries(4):  # membership, page, its reactions, its attachments
        changed = as_user(user).get(f"/api/rooms/{room.pk}/messages/?changed_after=0")
    results = changed.data["results"]
    assert [len(message["attachments"]) for message in results] == [2] * 4
    assert [message["reactions"][0]["count"] for message in results] == [1] * 4


def test_a_page_shows_its_own_rooms_attachments_among_interleaved_rooms(
    as_user, uploaded, make_room, user, carol, room
):
    # The two rooms' messages take turns, so the other room's fall between this page's ids.
    other = make_room(user, carol)
    for n in range(3):
        for where in (room, other):
            shared = uploaded(user, where)
            response = send(as_user, user, where, [shared.pk], client_id=f"{where.pk}-{n}")
            assert response.status_code == 201, response.data
    for where in (room, other):
        page = as_user(user).get(f"/api/rooms/{where.pk}/messages/").data["results"]
        shown = {item["id"] for message in page for item in message["attachments"]}
        assert shown == set(Attachment.objects.filter(room=where).values_list("pk", flat=True))
        assert [len(message["attachments"]) for message in page] == [1, 1, 1]


def test_deleting_a_message_deletes_its_attachments_and_their_files_after_commit(
    as_user, uploaded, user, room, media, django_capture_on_commit_callbacks
):
    kept = uploaded(user, room)
    attachment = uploaded(user, room)
    message_id = send(as_user, user, room, [attachment.pk]).data["id"]
    assert len(stored_files(media)) == 4  # two images and their thumbnails
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert as_user(user).delete(f"/api/messages/{message_id}/").status_code == 204
    # Until the deletion commits, the files stay: a rollback would need them.
    assert len(stored_files(media)) == 4
    for callback in callbacks:
        callback()
    assert list(Attachment.objects.all()) == [kept]
    assert stored_files(media) == sorted([kept.file.name, kept.thumbnail.name])
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert history[0]["attachments"] == []


def test_deleting_a_room_deletes_its_attachments_files(
    uploaded, user, room, media, django_capture_on_commit_callbacks
):
    uploaded(user, room)
    with django_capture_on_commit_callbacks(execute=True):
        Room.objects.filter(pk=room.pk).delete()
    assert (Attachment.objects.count(), stored_files(media)) == (0, [])


@pytest.mark.django_db(transaction=True)
async def test_a_socket_send_carries_attachments_to_every_member(
    open_socket, uploaded, user, bob, room
):
    attachment = await sync_to_async(uploaded)(user, room)
    alice_socket, bob_socket = await open_socket(user), await open_socket(bob)
    await alice_socket.send_json_to({**send_frame(room), "attachments": [attachment.pk]})
    for socket in (alice_socket, bob_socket):
        event = await socket.receive_json_from()
        assert event["type"] == "message.new"
        assert [item["id"] for item in event["message"]["attachments"]] == [attachment.pk]
        assert event["message"]["attachments"][0]["url"] == f"/api/attachments/{attachment.pk}/"
    # Sent once: a second message cannot carry it.
    await alice_socket.send_json_to(
        {**send_frame(room, client_id="c-2"), "attachments": [attachment.pk]}
    )
    error = await alice_socket.receive_json_from()
    assert (error["type"], error["code"], error["ref"]) == ("error", "invalid", "c-2")
    assert "attachments" in error["detail"]
    assert await Message.objects.acount() == 1


def test_claiming_is_one_update_per_message_and_reads_nothing_more(uploaded, user, room):
    ids = [uploaded(user, room).pk for _ in range(4)]
    requests = [
        SendRequest(user, room.pk, "two", "c-1", attachments=ids[:2]),
        SendRequest(user, room.pk, "none", "c-2"),
        SendRequest(user, room.pk, "two more", "c-3", attachments=ids[2:]),
    ]
    with CaptureQueriesContext(connection) as queries:
        results = send_messages(requests)
    assert [len(result[0].attachment_list) for result in results] == [2, 0, 2]
    touching = [query["sql"] for query in queries if Attachment._meta.db_table in query["sql"]]
    assert [sql.split()[0] for sql in touching] == ["UPDATE", "UPDATE"]
