"""A client that reconnects catches up on the changes it missed to stored messages: each edit,
deletion and reaction takes its room's next change number (`change`), and `?changed_after=`
answers the messages changed since, as they are now, in the order changed."""

from urllib.parse import quote

import pytest

from chat.models import Room

pytestmark = pytest.mark.django_db

THUMBS_UP = "\U0001f44d"


def sent(client, room, body: str) -> int:
    answer = client.post(
        f"/api/rooms/{room.pk}/messages/", {"body": body, "client_id": body}, format="json"
    )
    assert answer.status_code == 201, answer.data
    return answer.data["id"]


def page(client, room, query: str = "") -> dict:
    answer = client.get(f"/api/rooms/{room.pk}/messages/{query}")
    assert answer.status_code == 200, answer.data
    return answer.data


def edit(client, message: int, body: str):
    return client.patch(f"/api/messages/{message}/", {"body": body}, format="json")


def react(client, message: int, emoji: str):
    return client.post(f"/api/messages/{message}/reactions/", {"emoji": emoji}, format="json")


def test_the_changes_made_since_come_as_the_messages_are_now_in_the_order_made(
    as_user, user, bob, room
):
    alice = as_user(user)
    first, second, third = (sent(alice, room, body) for body in ("one", "two", "three"))
    seen = page(alice, room)["last_change"]
    assert edit(alice, first, "one, edited").status_code == 200
    assert react(alice, second, THUMBS_UP).status_code == 201
    assert alice.delete(f"/api/messages/{third}/").status_code == 204

    changed = page(as_user(bob), room, f"?changed_after={seen}")
    assert [(message["id"], message["change"]) for message in changed["results"]] == [
        (first, seen + 1),
        (second, seen + 2),
        (third, seen + 3),
    ]
    edited, reacted, deleted = changed["results"]
    assert (edited["body"], edited["edited"] is not None) == ("one, edited", True)
    assert reacted["reactions"] == [{"emoji": THUMBS_UP, "count": 1, "me": False}]
    assert (deleted["body"], deleted["deleted"] is not None) == ("", True)
    assert (changed["last_change"], changed["next"]) == (seen + 3, None)
    assert page(as_user(bob), room, f"?changed_after={seen + 3}")["results"] == []

    # A message changed again moves to its latest change: it comes once.
    alice = as_user(user)  # the one client the fixture keeps was bob's meanwhile
    taken_back = alice.delete(f"/api/messages/{second}/reactions/?emoji={quote(THUMBS_UP)}")
    assert taken_back.status_code == 200
    again = page(alice, room, f"?changed_after={seen}")["results"]
    assert [(message["id"], message["change"]) for message in again] == [
        (first, seen + 1),
        (third, seen + 3),
        (second, seen + 4),
    ]
    assert again[-1]["reactions"] == []


def test_a_change_refused_or_made_elsewhere_takes_no_number_of_this_room(
    as_user, user, bob, carol, room, make_room
):
    alice = as_user(user)
    message = sent(alice, room, "mine")
    seen = page(alice, room)["last_change"]
    assert edit(as_user(bob), message, "his now").status_code == 403
    assert react(as_user(user), message, "not an emoji").status_code == 400
    elsewhere = make_room(user, carol)
    assert (
        edit(as_user(user), sent(as_user(user), elsewhere, "there"), "changed").status_code == 200
    )
    assert edit(as_user(user), message, "mine, edited").status_code == 200
    assert page(as_user(user), room, f"?changed_after={seen}")["results"][0]["change"] == seen + 1
    assert Room.objects.get(pk=elsewhere.pk).last_change == 1


def test_changes_come_a_page_at_a_time_following_next(as_user, user, room, settings):
    settings.CHAT_MESSAGES_PAGE_SIZE = 2
    alice = as_user(user)
    messages = [sent(alice, room, f"message {n}") for n in range(3)]
    for message in reversed(messages):
        assert edit(alice, message, f"{message}, edited").status_code == 200
    first = page(alice, room, "?changed_after=0")
    assert [message["id"] for message in first["results"]] == messages[:0:-1]
    assert first["next"].endswith(f"?changed_after={first['results'][-1]['change']}")
    following = alice.get(first["next"]).data
    assert ([message["id"] for message in following["results"]], following["next"]) == (
        messages[:1],
        None,
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?changed_after=-1", "changed_after"),
        ("?changed_after=one", "changed_after"),
        ("?changed_after=" + "9" * 19, "changed_after"),
        ("?after=1&changed_after=1", "changed_after"),
        ("?before=1&changed_after=1", "changed_after"),
    ],
)
def test_a_change_number_that_is_none_is_refused_by_name(as_user, user, room, query, field):
    answer = as_user(user).get(f"/api/rooms/{room.pk}/messages/{query}")
    assert answer.status_code == 400
    assert field in answer.data


def test_a_catch_up_with_nothing_changed_since_reads_only_the_membership(
    as_user, user, room, django_assert_max_num_queries
):
    """What most reconnects ask: answered from the room read with the membership."""
    alice = as_user(user)
    message = sent(alice, room, "mine")
    assert edit(alice, message, "mine, edited").status_code == 200
    seen = page(alice, room)["last_change"]
    with django_assert_max_num_queries(1):
        caught_up = page(alice, room, f"?changed_after={seen}")
    assert caught_up == {"results": [], "next": None, "last_change": seen}
