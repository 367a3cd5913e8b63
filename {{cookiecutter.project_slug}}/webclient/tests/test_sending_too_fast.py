"""Messages typed faster than the server's limit all arrive, in the order they were typed."""

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
