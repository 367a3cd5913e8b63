"""An event the page's socket never delivered (a channel layer may drop one without a word): the
next one shows the gap, and the page fetches what it missed."""

import json
import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THUMBS_UP = "\U0001f44d"


def test_an_edit_never_delivered_shows_once_the_next_change_reveals_the_gap(
    new_context, page_problems, user, bob, room, password
):
    alice, bobs = new_context().new_page(), new_context().new_page()
    dropped = []

    def dropping_the_first_edit(socket) -> None:
        server = socket.connect_to_server()

        def from_server(payload) -> None:
            if json.loads(payload)["type"] == "message.updated" and not dropped:
                dropped.append(payload)
            else:
                socket.send(payload)

        server.on_message(from_server)

    alice.route_web_socket(re.compile(r"/ws/chat/"), dropping_the_first_edit)
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")
    send(bobs, "First words")
    expect(message(alice, "First words")).to_be_visible()
    message(bobs, "First words").get_by_role("button", name="Edit").click()
    bobs.get_by_label("New text").fill("Second thoughts")
    bobs.get_by_label("New text").press("Enter")
    expect(message(bobs, "Second thoughts")).to_contain_text("(edited)")
    for _ in range(200):  # the route's handler runs while the page is asked something
        if dropped:
            break
        alice.evaluate("0")
    assert dropped, "the edit never reached the page's socket"
    expect(message(alice, "First words")).to_be_visible()

    message(bobs, "Second thoughts").get_by_role("button", name="React").click()
    picker = message(bobs, "Second thoughts").get_by_role("group", name="Choose a reaction")
    picker.get_by_role("button", name=THUMBS_UP).click()
    shown = message(alice, "Second thoughts")
    expect(shown).to_contain_text("(edited)")
    expect(shown.get_by_role("button", name=f"{THUMBS_UP} 1")).to_be_visible()
    expect(message(alice, "First words")).to_have_count(0)
    page_problems.assert_none()
