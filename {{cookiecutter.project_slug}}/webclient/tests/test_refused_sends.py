"""Sends the server refuses: too fast, they all arrive later, in the order typed; refused for
good (too long), the user sees why and may discard them."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, messages, open_room, send, sign_in
from webclient.tests.conftest import WEB_SERVER_ENV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODIES = [f"Burst message {number:02d}" for number in range(12)]


def test_a_burst_past_the_message_limit_is_stored_in_the_order_typed(
    start_server, new_context, user, bob, room, password
):
    # Three messages a second: the burst is refused as too fast (rate_limited) all along.
    server = start_server({**WEB_SERVER_ENV, "CHAT_RATE_LIMIT_MESSAGES": "3/1"})
    alice, bobs = new_context(server).new_page(), new_context(server).new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")

    for body in BODIES:
        send(alice, body)
    for body in BODIES:
        expect(message(bobs, body)).to_have_count(1)
    # Read again from the server: the history, in the order the messages were stored.
    bobs.reload()
    open_room(bobs, room.name or "alice")
    expect(messages(bobs).filter(has_text="Burst message")).to_contain_text(BODIES)


def test_a_message_refused_for_good_says_why_and_can_be_discarded(
    new_context, user, bob, room, password
):
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    send(alice, "x" * 5000)
    refused = message(alice, "Not sent")
    expect(refused).to_contain_text("at most 4000 characters")
    refused.get_by_role("button", name="Discard").click()
    expect(message(alice, "Not sent")).to_have_count(0)
    # What comes next goes as usual: nothing of the discarded one goes with it.
    send(alice, "Shorter, then")
    bobs = new_context().new_page()
    sign_in(bobs, "bob", password)
    open_room(bobs, room.name or "alice")
    expect(message(bobs, "Shorter, then")).to_be_visible()
    expect(message(bobs, "xxxx")).to_have_count(0)
