"""A conversation opened with unread messages: a line marks where they begin, and the page
starts there when they do not all fit on the screen."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, sign_in, unread_badge

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNREAD = 60  # more than a page: the pages back to the first unread come in first


def test_a_conversation_opens_at_its_first_unread_message(
    new_context, page_problems, as_user, room, user, bob, password
):
    def send_as(sender, body: str) -> None:
        sent = {"body": body, "client_id": body}
        answer = as_user(sender).post(f"/api/rooms/{room.pk}/messages/", sent, format="json")
        assert answer.status_code == 201

    for n in range(3):
        send_as(user, f"earlier {n}")
    for n in range(UNREAD):
        send_as(bob, f"unread {n}")
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    name = room.name or "bob"
    expect(unread_badge(alice, name)).to_have_text(f"{UNREAD} unread")
    # On a phone's width the list hides behind a button, which says what waits there.
    desktop = alice.viewport_size
    alice.set_viewport_size({"width": 390, "height": 800})
    waiting = alice.get_by_role("button", name=f"Rooms, {UNREAD} unread", exact=True)
    expect(waiting).to_have_text(f"Rooms ({UNREAD})")
    alice.set_viewport_size(desktop)

    open_room(alice, name)
    line = alice.get_by_role("separator")
    expect(line).to_have_text("New messages")
    expect(alice.locator(".new-line + .message")).to_contain_text("unread 0")
    expect(alice.locator(".message:has(+ .new-line)")).to_contain_text("earlier 2")
    expect(line).to_be_in_viewport()
    assert alice.evaluate("window.scrollY") == 0  # the history scrolled, not the page
    expect(message(alice, f"unread {UNREAD - 1}")).not_to_be_in_viewport()
    # Nothing is read until it is seen.
    expect(unread_badge(alice, name)).to_have_text(f"{UNREAD} unread")

    message(alice, f"unread {UNREAD - 1}").scroll_into_view_if_needed()
    expect(unread_badge(alice, name)).to_have_count(0)
    # Opened again with nothing unread: no line, and the page starts at the newest message.
    alice.goto("/")
    open_room(alice, name)
    expect(message(alice, f"unread {UNREAD - 1}")).to_be_in_viewport()
    expect(alice.get_by_role("separator")).to_have_count(0)
    page_problems.assert_none()
