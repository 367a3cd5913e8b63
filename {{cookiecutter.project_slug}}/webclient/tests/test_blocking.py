"""Blocking someone from a 1-to-1 in the web client: their messages are refused, and they see
why, until the conversation's owner unblocks them."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, open_room, send
from webclient.tests.fixtures_direct import start_direct_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_blocked_person_cannot_write_until_unblocked(
    new_context, page_problems, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password)
    start_direct_conversation(alice, bobs, "alice", "bob")

    alice.get_by_role("button", name="Block", exact=True).click()
    expect(alice.get_by_text("Blocked: they cannot write to you")).to_be_visible()
    send(bobs, "Are you there?")
    expect(message(bobs, "Not sent")).to_contain_text("blocked you")

    # Known to the server: a fresh page says so too.
    alice.reload()
    open_room(alice, "bob")
    alice.get_by_role("button", name="Unblock", exact=True).click()
    expect(alice.get_by_role("button", name="Block", exact=True)).to_be_visible()
    message(bobs, "Not sent").get_by_role("button", name="Retry").click()
    expect(message(alice, "Are you there?")).to_be_visible()
    page_problems.assert_none()
