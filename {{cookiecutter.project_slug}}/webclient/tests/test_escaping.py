"""A message is text, never markup: a body that would be an image with a script in HTML shows
as the characters typed, and nothing runs (no dialog, no request, no CSP violation)."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, room_entry, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKUP = "<img src=x onerror=alert(1)>"


def test_a_body_of_markup_shows_as_text_and_runs_nothing(
    new_context, page_problems, peer_online, user, bob, room, password
):
    alice, bobs = new_context().new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")
    # Both connected and caught up (each has read who is online): the message comes live.
    peer_online(alice, room.name or "bob", True)
    peer_online(bobs, room.name or "alice", True)

    send(alice, MARKUP)
    for page in (bobs, alice):
        expect(message(page, MARKUP)).to_be_visible()
    # In the room list's last message too.
    expect(room_entry(bobs, room.name or "alice")).to_contain_text(f"alice: {MARKUP}")
    # A later message has arrived: an image the first one made would have failed to load,
    # and its handler been refused or run, by now.
    send(alice, "Nothing happened, right?")
    expect(message(bobs, "Nothing happened, right?")).to_be_visible()
    for page in (bobs, alice):
        expect(page.get_by_role("list", name="History").get_by_role("img")).to_have_count(0)
    page_problems.assert_none()
