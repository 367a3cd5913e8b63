"""Two people chat in the web client, each in a browser of their own: everything they do shows
on the other's screen as it happens. With WEBCLIENT_SCREENSHOT set, the test also writes a
screenshot of the conversation there (the README's: docs/screenshot.png, or in a project of
1-to-1s only, docs/screenshot_direct.png)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from webclient.tests.browsing import (
    attach,
    message,
    open_room,
    png,
    room_link,
    send,
    sign_in,
    sign_up,
    unread_badge,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_people_chat_live(
    new_context, start_conversation, peer_online, page_problems, password
):
    alice_browser, bob_browser = new_context(), new_context()
    alice, bob = alice_browser.new_page(), bob_browser.new_page()
    sign_up(alice, "alice", password)
    sign_up(bob, "bob", password)
    # A group alice creates and invites bob to, or their 1-to-1: open on both screens.
    alice_sees, _ = start_conversation(alice, bob, "alice", "bob")
    # bob was online before he joined: alice's screen says so all the same.
    peer_online(alice, alice_sees, True)

    send(alice, "Lunch at noon?")
    expect(message(bob, "Lunch at noon?")).to_be_visible()

    # Typing shows while bob types (his first keys in this room: the server relays one start
    # per refresh interval), and goes with the message he sends.
    bob.get_by_label("Message", exact=True).press_sequentially("Yes, at the")
    typing = alice.get_by_text("bob is typing…")
    expect(typing).to_be_visible()
    send(bob, "Yes, at the usual place")
    expect(message(alice, "Yes, at the usual place")).to_be_visible()
    expect(typing).to_be_hidden()
    send(bob, "On my way")
    expect(message(alice, "On my way")).to_be_visible()

    # An edit, seen live.
    noon = message(alice, "Lunch at noon?")
    noon.get_by_role("button", name="Edit").click()
    alice.get_by_label("New text").fill("Lunch at one?")
    alice.get_by_role("button", name="Save").click()
    expect(message(bob, "Lunch at one?")).to_contain_text("(edited)")
    expect(message(bob, "Lunch at noon?")).to_have_count(0)
    # Emptied, a message of text alone is not saved: the form stays, and says why.
    message(alice, "Lunch at one?").get_by_role("button", name="Edit").click()
    alice.get_by_label("New text").fill("  ")
    alice.get_by_role("button", name="Save").click()
    expect(alice.get_by_label("New text")).to_be_visible()
    assert "delete it instead" in alice.get_by_label("New text").evaluate(
        "f => f.validationMessage"
    )
    alice.get_by_role("button", name="Cancel").click()
    expect(message(bob, "Lunch at one?")).to_be_visible()

    # Hebrew reads right to left, its punctuation where its writer put it, as it is written too.
    alice.get_by_label("Message", exact=True).fill("שלום, מה נשמע?")
    expect(alice.get_by_label("Message", exact=True)).to_have_css("direction", "rtl")
    send(alice, "שלום, מה נשמע?")
    hebrew = message(bob, "שלום, מה נשמע?").locator(".body")
    expect(hebrew).to_have_css("direction", "rtl")
    expect(message(bob, "Lunch at one?").locator(".body")).to_have_css("direction", "ltr")

    # An address is a link to it, its sentence's full stop left out; the rest stays text.
    send(alice, "The menu: https://example.com/menu?day=1. <b>Not bold</b>")
    link = message(bob, "The menu:").get_by_role("link", name="https://example.com/menu?day=1")
    expect(link).to_have_attribute("href", "https://example.com/menu?day=1")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(message(bob, "The menu:").locator(".body")).to_have_text(
        "The menu: https://example.com/menu?day=1. <b>Not bold</b>"
    )

    # A reaction chosen in the picker, seen live; Escape closes the picker, choosing nothing.
    react = message(bob, "Lunch at one?").get_by_role("button", name="React")
    picker = message(bob, "Lunch at one?").get_by_role("group", name="Choose a reaction")
    react.click()
    picker.get_by_role("button", name="🎉").click()
    expect(picker).to_be_hidden()
    expect(react).to_have_attribute("aria-expanded", "false")
    for page in (alice, bob):  # bob's own message node is drawn anew with it
        expect(message(page, "Lunch at one?").get_by_role("button", name="🎉 1")).to_be_visible()
    react.click()
    expect(picker.get_by_role("button", name="👍")).to_be_focused()
    # Someone else's reaction meanwhile redraws the message: the picker stays open.
    alices_react = message(alice, "Lunch at one?").get_by_role("button", name="React")
    alices_react.click()
    message(alice, "Lunch at one?").get_by_role("button", name="😂").click()
    expect(message(bob, "Lunch at one?").get_by_role("button", name="😂 1")).to_be_visible()
    expect(picker).to_be_visible()
    expect(react).to_have_attribute("aria-expanded", "true")
    bob.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(react).to_be_focused()
    expect(react).to_have_attribute("aria-expanded", "false")

    # A picture: uploaded, sent with a message, previewed on the other screen.
    attach(alice, {"name": "menu.png", "mimeType": "image/png", "buffer": png(160, 100)})
    expect(alice.get_by_text("ready", exact=True)).to_be_visible()
    send(alice, "Today's menu")
    preview = message(bob, "Today's menu").get_by_role("img", name="menu.png")
    expect(preview).to_be_visible()
    bob.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=preview.element_handle()
    )
    expect(message(alice, "Today's menu").get_by_role("img", name="menu.png")).to_be_visible()
    alice.wait_for_function(
        "image => image.complete && image.naturalWidth > 0",
        arg=message(alice, "Today's menu").get_by_role("img", name="menu.png").element_handle(),
    )
    if screenshot := os.environ.get("WEBCLIENT_SCREENSHOT"):
        alice.screenshot(path=Path(settings.BASE_DIR, screenshot))

    # A reply quotes its message; deleted, the quote says so on both screens at once.
    message(alice, "On my way").get_by_role("button", name="Reply").click()
    send(alice, "Great, see you")
    quote = message(bob, "Great, see you").locator(".quote")
    expect(quote).to_contain_text("On my way")
    message(bob, "On my way").get_by_role("button", name="Delete").click()
    message(bob, "On my way").get_by_role("button", name="Delete it for everyone").click()
    expect(message(alice, "On my way")).to_have_count(0)
    for page in (alice, bob):
        expect(message(page, "Great, see you").locator(".quote")).to_contain_text("Message deleted")
        expect(message(page, "Great, see you")).not_to_contain_text("On my way")

    # Unread, across two tabs of alice's, both with no room open: a second one, and the first
    # loaded again (its credential kept, the room closed).
    second_tab = alice_browser.new_page()
    sign_in(second_tab, "alice", password)
    alice.goto("/")
    expect(room_link(alice, alice_sees)).to_be_visible()
    send(bob, "See you there")
    for tab in (alice, second_tab):
        expect(unread_badge(tab, alice_sees)).to_have_text("1 unread")
    # Reading it in one tab clears the badge in both.
    open_room(alice, alice_sees)
    expect(message(alice, "See you there")).to_be_visible()
    for tab in (alice, second_tab):
        expect(unread_badge(tab, alice_sees)).to_have_count(0)

    # Presence: bob leaves, and alice sees him go; he comes back, and she sees that too.
    peer_online(alice, alice_sees, True)
    bob_browser.close()
    peer_online(alice, alice_sees, False)
    sign_in(new_context().new_page(), "bob", password)
    peer_online(alice, alice_sees, True)
    page_problems.assert_none()
