"""A change that races the deletion of what it concerns (the message, the room, the member's
membership) is refused as it would be a moment later, and the deletion stands. The races run
on PostgreSQL (chat/tests/races.py); how REST and the socket answer such a refusal, anywhere."""

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction

from chat.api import views
from chat.domain.errors import NotFound
from chat.domain.memberships import delete_room
from chat.domain.messages import delete_message, edit_message
from chat.domain.reactions import add_reaction
from chat.domain.read_state import mark_read
from chat.domain.sending import send_message
from chat.models import Membership, Message, Reaction, Room
from chat.realtime import consumer
from chat.tests.races import race

live = pytest.mark.django_db(transaction=True)


@pytest.mark.postgresql
@live
def test_an_edit_racing_a_deletion_does_not_bring_the_text_back(room, user):
    message = Message.objects.create(room=room, sender=user, body="abusive", client_id="1")
    outcomes = race(
        lambda: delete_message(user, message.pk),
        lambda: edit_message(user, message.pk, "abusive, edited"),
        NotFound,
    )
    assert outcomes == ("done", "refused")
    message.refresh_from_db()
    assert (message.body, message.deleted is not None, message.edited) == ("", True, None)


@pytest.mark.postgresql
@live
def test_a_reaction_racing_the_messages_deletion_does_not_stay_on_it(room, user, bob):
    message = Message.objects.create(room=room, sender=user, body="hi", client_id="1")
    outcomes = race(
        lambda: delete_message(user, message.pk),
        lambda: add_reaction(bob, message.pk, "\U0001f389"),
        NotFound,
    )
    assert outcomes == ("done", "refused")
    assert not Reaction.objects.exists()


@pytest.mark.postgresql
@live
def test_a_room_deleted_while_a_member_sends_goes_with_the_message(room, user, bob):
    outcomes = race(
        lambda: send_message(bob, room.pk, "still talking", "c1"),
        lambda: delete_room(Room.objects.get(pk=room.pk)),
        NotFound,
    )
    assert outcomes == ("done", "done")
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not Message.objects.filter(room_id=room.pk).exists()


@pytest.mark.postgresql
@live
@pytest.mark.parametrize("change", ["reaction", "read"])
def test_a_reaction_or_a_read_racing_the_members_leaving_is_not_found(room, user, bob, change):
    message = Message.objects.create(room=room, sender=user, body="hi", client_id="1")
    racing = {
        "reaction": lambda: add_reaction(bob, message.pk, "🎉"),
        "read": lambda: mark_read(bob, room.pk, message.pk),
    }[change]
    outcomes = race(
        lambda: Membership.objects.filter(room=room, user=bob).delete(), racing, NotFound
    )
    assert outcomes == ("done", "refused")
    assert not Reaction.objects.exists()


def refer_to_a_deleted_message(user, *args) -> None:
    """What a change that raced a deletion meets at commit: a foreign key to a row now gone."""
    with transaction.atomic():
        Reaction.objects.create(message_id=2**62, user=user, emoji="🎉")


@live
def test_over_rest_a_change_that_raced_a_deletion_is_a_404(as_user, room, user, monkeypatch):
    message = Message.objects.create(room=room, sender=user, body="hi", client_id="1")
    monkeypatch.setattr(views, "add_reaction", refer_to_a_deleted_message)
    answer = as_user(user).post(
        f"/api/messages/{message.pk}/reactions/", {"emoji": "🎉"}, format="json"
    )
    assert (answer.status_code, answer.json()["detail"]) == (404, "It was deleted meanwhile.")


@live
async def test_on_the_socket_a_change_that_raced_a_deletion_is_not_found(
    open_socket, room, user, monkeypatch
):
    message = await Message.objects.acreate(room=room, sender=user, body="hi", client_id="1")
    monkeypatch.setattr(consumer, "add_reaction", refer_to_a_deleted_message)
    socket = await open_socket(user)
    add = {"type": "reaction.add", "message": message.pk, "emoji": "🎉", "client_id": "r1"}
    await socket.send_json_to(add)
    refused = await socket.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "not_found")
    # The socket reads on.
    await sync_to_async(send_message)(user, room.pk, "next", "c2")
    assert (await socket.receive_json_from(timeout=5))["message"]["body"] == "next"
