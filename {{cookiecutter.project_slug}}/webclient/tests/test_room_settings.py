"""A group room's settings in the web client: its owner renames it, makes it private and
hides its history from newcomers, then deletes it; the other member sees each change live."""

import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, open_room, room_link, sign_in
from webclient.tests.fixtures_group import start_group_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_owner_renames_closes_and_deletes_a_room_under_the_members_eyes(
    new_context, page_problems, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password)
    room_name, _ = start_group_conversation(alice, bobs, "alice", "bob")

    alice.get_by_role("button", name="Room settings").click()
    settings = alice.get_by_role("dialog", name="Room settings")
    expect(settings.get_by_label("Room name")).to_have_value(room_name)
    settings.get_by_label("Room name").fill("Lunch at noon")
    settings.get_by_label("Private: by invitation only").check()
    settings.get_by_label("Newcomers read the messages from before they joined").uncheck()
    settings.get_by_role("button", name="Save settings").click()
    expect(settings).to_be_hidden()
    for page in (alice, bobs):
        expect(page.get_by_role("heading", name="Lunch at noon", exact=True)).to_be_visible()
        expect(room_link(page, "Lunch at noon")).to_be_visible()
        expect(page.get_by_text("Private room", exact=False)).to_be_visible()
    # As the server has it: a fresh page's settings say the same.
    alice.reload()
    open_room(alice, "Lunch at noon")
    alice.get_by_role("button", name="Room settings").click()
    expect(settings.get_by_label("Private: by invitation only")).to_be_checked()
    expect(
        settings.get_by_label("Newcomers read the messages from before they joined")
    ).not_to_be_checked()
    settings.get_by_role("button", name="Cancel").click()

    # A member without a role is offered no settings.
    expect(bobs.get_by_role("button", name="Room settings")).to_have_count(0)

    # The longest name, without a space, on a phone's width: it wraps, and the page does not
    # scroll sideways with the room's buttons off the screen.
    long_name = "L" * 100
    alice.get_by_role("button", name="Room settings").click()
    settings.get_by_label("Room name").fill(long_name)
    settings.get_by_role("button", name="Save settings").click()
    desktop = bobs.viewport_size
    bobs.set_viewport_size({"width": 390, "height": 800})
    expect(bobs.get_by_role("heading", name=long_name, exact=True)).to_be_visible()
    expect(bobs.get_by_role("button", name="Members")).to_be_in_viewport()
    assert bobs.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # The list, over the conversation, and the room open already chosen again: back to it.
    bobs.get_by_role("button", name=re.compile("^Rooms")).click()
    expect(bobs.get_by_role("heading", name=long_name, exact=True)).to_be_hidden()
    room_link(bobs, long_name).click()
    expect(bobs.get_by_role("heading", name=long_name, exact=True)).to_be_visible()
    bobs.set_viewport_size(desktop)

    alice.get_by_role("button", name="Room settings").click()
    settings.get_by_role("button", name="Delete room").click()
    # A second click, on the button that now says what it does: no confirm() box.
    settings.get_by_role("button", name="Delete it for everyone").click()
    expect(settings).to_be_hidden()
    for page in (alice, bobs):
        expect(room_link(page, long_name)).to_have_count(0)
        expect(page.get_by_role("heading", name="No conversation open")).to_be_visible()
    expect(bobs.get_by_text(f"{long_name} was deleted.")).to_be_visible()
    bobs.reload()  # gone on the server too
    expect(bobs.get_by_role("button", name="Sign out")).to_be_visible()
    expect(bobs.get_by_text("No conversations yet.")).to_be_visible()
    page_problems.assert_none()


def test_a_newcomer_is_told_that_the_history_before_them_is_hidden(
    new_context, page_problems, as_user, user, carol, room, password
):
    room.history_visible = False
    room.save()

    def send_as(sender, body: str) -> None:
        sent = {"body": body, "client_id": body}
        answer = as_user(sender).post(f"/api/rooms/{room.pk}/messages/", sent, format="json")
        assert answer.status_code == 201

    send_as(user, "Before carol came")
    assert as_user(carol).post(f"/api/rooms/{room.pk}/join/").status_code == 201
    send_as(user, "After carol came")
    carols, alice = new_context().new_page(), new_context().new_page()
    sign_in(carols, "carol", password)
    open_room(carols, room.name)
    expect(message(carols, "After carol came")).to_be_visible()
    hidden = "Messages from before you joined are not shown in this room."
    expect(carols.get_by_text(hidden)).to_be_visible()
    expect(message(carols, "Before carol came")).to_have_count(0)
    # The room's owner reads it all, and is told nothing.
    sign_in(alice, "alice", password)
    open_room(alice, room.name)
    expect(message(alice, "Before carol came")).to_be_visible()
    expect(alice.get_by_text(hidden)).to_have_count(0)
    page_problems.assert_none()
