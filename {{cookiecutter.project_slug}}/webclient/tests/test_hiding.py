"""Hiding a 1-to-1 in the web client: off the list of every tab of its hider, until its next
message brings it back."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, open_room, room_link, send, sign_in
from webclient.tests.fixtures_direct import start_direct_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hidden_conversation_leaves_every_tab_until_its_next_message(
    new_context, page_problems, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password)
    start_direct_conversation(alice, bobs, "alice", "bob")
    other_tab = alice.context.new_page()
    sign_in(other_tab, "alice", password)
    expect(room_link(other_tab, "bob")).to_be_visible()

    alice.get_by_role("button", name="Hide", exact=True).click()
    for page in (alice, other_tab):
        expect(room_link(page, "bob")).to_have_count(0)
    expect(alice.get_by_role("heading", name="No conversation open")).to_be_visible()

    send(bobs, "Still there?")
    for page in (alice, other_tab):
        expect(room_link(page, "bob")).to_be_visible()
    open_room(alice, "bob")
    expect(message(alice, "Still there?")).to_be_visible()
    page_problems.assert_none()
