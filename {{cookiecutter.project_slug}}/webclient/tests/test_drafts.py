"""What is being written stays with its conversation: switching to another neither carries the
text over (one Enter from sending it to the wrong people) nor drops the files attached."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import another_room, attach, messages, open_room, png, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_conversation_keeps_its_own_draft(
    new_context, page_problems, room, make_room, user, carol, password
):
    other = another_room(make_room, user, carol, "plans")
    first, second = room.name or "bob", other.name or "carol"
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    composer = alice.get_by_label("Message", exact=True)
    uploads = alice.locator("#uploads")

    open_room(alice, first)
    # Spaces and zero-width characters show nothing: there is nothing to send.
    composer.fill(" \u200b \u200d ")
    composer.press("Enter")
    expect(messages(alice)).to_have_count(0)
    composer.fill("meant for the first room only")
    attach(alice, {"name": "a.png", "mimeType": "image/png", "buffer": png()})
    expect(uploads).to_contain_text("ready")

    open_room(alice, second)
    expect(composer).to_have_value("")
    expect(uploads).to_be_empty()
    composer.fill("for the second")

    open_room(alice, first)
    expect(composer).to_have_value("meant for the first room only")
    expect(uploads).to_contain_text("a.png")
    expect(uploads).to_contain_text("ready")
    open_room(alice, second)
    expect(composer).to_have_value("for the second")

    # Signing out leaves nothing for whoever signs in next on this page.
    alice.get_by_role("button", name="Sign out").click()
    # Signed out (a reload before then would find the credential still there, and be refused).
    expect(alice.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(alice, "alice", password)
    open_room(alice, first)
    expect(composer).to_have_value("")
    page_problems.assert_none()
