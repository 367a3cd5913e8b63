"""Per-user bounds hold when two changes race: the second waits for the first and counts what
it added. PostgreSQL only (SQLite runs one writing transaction at a time); the suite runs them
when DATABASE_URL names PostgreSQL."""

import pytest

from chat.domain.errors import Forbidden, Invalid
from chat.domain.memberships import add_member
from chat.domain.reactions import add_reaction
from chat.models import Membership, Message, Reaction
from chat.tests.races import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_two_joins_at_once_cannot_both_take_a_users_last_room(
    make_room, user, bob, carol, make_user, settings
):
    first, second = make_room(user, bob), make_room(bob, make_user("dave"))
    settings.CHAT_MAX_ROOMS_PER_USER = 1
    outcomes = race(lambda: add_member(first, carol), lambda: add_member(second, carol), Forbidden)
    assert outcomes == ("done", "refused")
    assert Membership.objects.filter(user=carol).count() == 1


def test_two_tabs_at_once_cannot_both_add_a_users_last_emoji(room, user, bob, settings):
    settings.CHAT_MAX_REACTIONS_PER_USER = 1
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    outcomes = race(
        lambda: add_reaction(user, message.pk, "🎉"),
        lambda: add_reaction(user, message.pk, "👍"),
        Invalid,
    )
    assert outcomes == ("done", "refused")
    assert list(Reaction.objects.filter(user=user).values_list("emoji", flat=True)) == ["🎉"]
