"""Redis, which carries live events between the server processes, goes away under the web
client: each page says that others' messages are paused while its own still go, and once Redis
is back it says so no more and shows what was sent meanwhile."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, send, sign_in
from webclient.tests.conftest import WEB_SERVER_ENV

pytestmark = [pytest.mark.browser, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PAUSED = "Live updates are paused"


def test_a_redis_outage_pauses_others_messages_and_loses_none(
    start_server, private_redis, new_context, user, bob, room, password
):
    # alice and bob on two processes: what one sends reaches the other only through Redis.
    environment = {**WEB_SERVER_ENV, "REDIS_URL": private_redis.url}
    alice = new_context(start_server(environment)).new_page()
    bobs = new_context(start_server(environment)).new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")
    send(alice, "Before the outage")
    expect(message(bobs, "Before the outage")).to_be_visible()

    private_redis.kill()
    for page in (alice, bobs):
        expect(page.get_by_role("status").filter(has_text=PAUSED)).to_be_visible()
    send(bobs, "During the outage")
    # Stored and acknowledged: nothing says it waits to be sent.
    expect(message(bobs, "During the outage")).to_be_visible()
    expect(bobs.get_by_text("Sending…")).to_have_count(0)

    private_redis.start()
    for page in (alice, bobs):
        expect(page.get_by_role("status").filter(has_text=PAUSED)).to_be_hidden(timeout=20_000)
    expect(message(alice, "During the outage")).to_have_count(1)
    send(alice, "After the outage")
    expect(message(bobs, "After the outage")).to_have_count(1)
