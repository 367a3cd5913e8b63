"""A project with both kinds of rooms: the conversation tests run in a group; here a 1-to-1
starts from the directory, next to the group, and both people write in it."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, room_link, send, sign_in
from webclient.tests.fixtures_direct import start_direct_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_one_to_one_starts_next_to_a_group(new_context, page_problems, room, password):
    alice, bob = new_context().new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(bob, "bob", password)
    start_direct_conversation(alice, bob, "alice", "bob")
    send(bob, "Sure, what is it?")
    expect(message(alice, "Sure, what is it?")).to_be_visible()
    # The group is still in the list, and opens.
    room_link(alice, room.name).click()
    expect(alice.get_by_role("heading", name=room.name, exact=True)).to_be_visible()
    page_problems.assert_none()
