"""One sender's bad input fails that send alone; a stored message is never answered as lost."""

import pytest

from chat.domain import sending, validation
from chat.domain.errors import Invalid
from chat.domain.sending import SendRequest, send_message, send_messages
from chat.models import Message
from chat.realtime import publish, send_batcher
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)

# Each is refused by PostgreSQL or SQLite (or both) if it reaches them.
UNSTORABLE_SENDS = {
    "NUL in body": {"body": "a\x00b"},
    "lone surrogate in body": {"body": "a\ud800b"},
    "NUL in client_id": {"client_id": "c\x00"},
    "lone surrogate in client_id": {"client_id": "c\udfff"},
    "room id past BIGINT": {"room_id": 2**63},
    "negative room id": {"room_id": -1},
}


@pytest.mark.parametrize("bad", UNSTORABLE_SENDS.values(), ids=UNSTORABLE_SENDS.keys())
def test_an_unstorable_send_is_invalid_and_its_batch_is_stored(room, user, bob, bad):
    fields = {"room_id": room.pk, "body": "bad", "client_id": "c-bad", **bad}
    outcomes = send_messages(
        [
            SendRequest(bob, room.pk, "before", "c-1"),
            SendRequest(user, **fields),
            SendRequest(bob, room.pk, "after", "c-2"),
        ]
    )
    assert isinstance(outcomes[1], Invalid)
    assert [(message.body, created) for message, created in (outcomes[0], outcomes[2])] == [
        ("before", True),
        ("after", True),
    ]
    assert list(Message.objects.order_by("id").values_list("body", flat=True)) == [
        "before",
        "after",
    ]


def test_a_batch_the_database_refuses_is_stored_send_by_send(room, user, bob, monkeypatch):
    """Should a value the database refuses get past validation, it fails its own send only."""
    monkeypatch.setattr(validation, "is_storable", lambda text: True)
    outcomes = send_messages(
        [
            SendRequest(bob, room.pk, "before", "c-1"),
            SendRequest(user, room.pk, "a\ud800b", "c-bad"),  # no database can encode it
            SendRequest(bob, room.pk, "after", "c-2"),
        ]
    )
    assert isinstance(outcomes[1], Invalid)
    assert [outcomes[0][0].body, outcomes[2][0].body] == ["before", "after"]
    assert Message.objects.count() == 2


async def test_a_bad_send_over_the_socket_is_answered_invalid_and_the_socket_goes_on(
    open_socket, room, user, bob
):
    alice, bob_socket = await open_socket(user), await open_socket(bob)
    # json.dumps writes the lone surrogate as the escape "\ud800", as any JSON client may.
    await alice.send_json_to(send_frame(room, "lone \ud800 surrogate", "c-bad"))
    await bob_socket.send_json_to(send_frame(room, "fine", "c-good"))
    # Two senders: the order of alice's answer and bob's message is not defined.
    first, second = await alice.receive_json_from(), await alice.receive_json_from()
    answer, message = (first, second) if first["type"] == "error" else (second, first)
    assert (answer["type"], answer["code"], answer["ref"]) == ("error", "invalid", "c-bad")
    assert message["message"]["body"] == "fine"
    assert (await bob_socket.receive_json_from())["message"]["body"] == "fine"


def test_a_rest_send_stored_while_publishing_fails_is_answered_201(
    as_user, room, user, monkeypatch
):
    def unreachable_layer(events):
        raise ConnectionError("the channel layer is unreachable")

    monkeypatch.setattr(sending, "publish_many_to_rooms_sync", unreachable_layer)
    response = as_user(user).post(
        f"/api/rooms/{room.pk}/messages/", {"body": "kept", "client_id": "c-1"}, format="json"
    )
    assert response.status_code == 201
    assert Message.objects.get().body == "kept"


def test_a_rest_edit_committed_while_publishing_fails_is_answered_200(
    as_user, room, user, monkeypatch
):
    message, _ = send_message(user, room.pk, "before", "c-1")

    def unreachable_layer(room_id, event, **options):
        raise ConnectionError("the channel layer is unreachable")

    monkeypatch.setattr(publish, "publish_to_room_sync", unreachable_layer)
    response = as_user(user).patch(f"/api/messages/{message.pk}/", {"body": "after"}, format="json")
    assert response.status_code == 200
    message.refresh_from_db()
    assert message.body == "after"


async def test_a_socket_send_stored_while_publishing_fails_is_acked_to_its_sender(
    open_socket, room, user, monkeypatch
):
    async def unreachable_layer(events):
        raise ConnectionError("the channel layer is unreachable")

    monkeypatch.setattr(send_batcher, "publish_many_to_rooms", unreachable_layer)
    alice = await open_socket(user)
    await alice.send_json_to(send_frame(room, "kept", "c-1"))
    ack = await alice.receive_json_from()
    assert ack["type"] == "message.new"
    assert (ack["message"]["body"], ack["message"]["client_id"]) == ("kept", "c-1")


@pytest.mark.parametrize(
    "body", ["\u200b", " \u200b\u200c ", "\u2066\u2069", "\u3164", "\u0301"], ids=repr
)
def test_a_body_that_shows_nothing_is_empty(room, user, body):
    """Zero-width and direction characters, a blank letter, a mark with nothing to mark: a
    message of those alone reads as nothing, and is refused as empty."""
    (outcome,) = send_messages([SendRequest(user, room.pk, body, "c-1")])
    assert isinstance(outcome, Invalid)
    assert outcome.message == "body must not be empty."
    assert not Message.objects.exists()
    # Beside text they stay: a zero-width joiner makes one emoji of two.
    ((joined, _),) = send_messages(
        [SendRequest(user, room.pk, "hi \U0001f469\u200d\U0001f4bb", "c-2")]
    )
    assert joined.body == "hi \U0001f469\u200d\U0001f4bb"
