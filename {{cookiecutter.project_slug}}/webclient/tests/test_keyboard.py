"""The web client by keyboard and screen reader: the focus stays where the person was working
when what they worked on is drawn again, Escape takes back what it opened, and a screen reader
hears each new message of others once, not every redraw of the history."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element's keepingFocus key (webclient/static/webclient/dom.js): its own, or that
# of what it is part of.
FOCUSED_KEY = (
    "document.activeElement.closest('[data-focus]')?.dataset.focus ?? document.activeElement.id"
)


def focused_on(page) -> str:
    return page.evaluate(FOCUSED_KEY)


def expect_focus(page, key_end: str) -> None:
    page.wait_for_function(
        f"(end) => ({FOCUSED_KEY} ?? '').endsWith(end)", arg=key_end, timeout=10_000
    )


def test_the_focus_stays_on_a_message_as_it_is_reacted_to_edited_and_deleted(
    new_context, page_problems, room, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password, room)
    send(alice, "Coffee at ten?")
    coffee = message(alice, "Coffee at ten?")
    expect(coffee.get_by_role("button", name="Edit")).to_be_visible()

    # A reaction chosen from the picker: the message is drawn again, the focus back on React.
    coffee.get_by_role("button", name="React").press("Enter")
    expect_focus(alice, ":react:👍")  # the picker's first emoji
    alice.keyboard.press("Tab")
    alice.keyboard.press("Enter")  # the second emoji
    reaction = coffee.get_by_role("button", name="❤️ 1")
    expect(reaction).to_be_visible()
    expect_focus(alice, ":react")
    # Its chip pressed by keyboard: taken back, the chip is gone and the message keeps the focus.
    reaction.focus()
    alice.keyboard.press("Space")
    expect(reaction).to_have_count(0)
    assert focused_on(alice).startswith("m")

    # Escape leaves an edit, back on its Edit button; Enter saves, and it keeps the focus too.
    coffee.get_by_role("button", name="Edit").press("Enter")
    expect(alice.get_by_label("New text")).to_be_focused()
    alice.keyboard.press("Escape")
    expect_focus(alice, ":edit")
    alice.keyboard.press("Enter")
    alice.get_by_label("New text").fill("Coffee at eleven?")
    alice.keyboard.press("Enter")
    expect(message(bobs, "Coffee at eleven?")).to_contain_text("(edited)")
    expect_focus(alice, ":edit")

    # Deleting takes a second press, on the button that says what will happen; the message,
    # drawn as deleted, keeps the focus.
    delete = message(alice, "Coffee at eleven?").get_by_role("button", name="Delete")
    delete.press("Enter")
    expect(delete).to_have_text("Delete it for everyone")
    expect(message(bobs, "Coffee at eleven?")).to_be_visible()
    delete.press("Enter")
    expect(message(bobs, "Coffee at eleven?")).to_have_count(0)
    expect(alice.get_by_text("Message deleted", exact=True)).to_be_visible()
    assert alice.evaluate("document.activeElement.matches('li.message.deleted')")
    page_problems.assert_none()


def test_escape_takes_back_a_reply_and_the_reply_describes_the_composer(
    new_context, page_problems, room, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password, room)
    send(bobs, "Who brings the cake?")
    message(alice, "Who brings the cake?").get_by_role("button", name="Reply").click()
    composer = alice.get_by_label("Message", exact=True)
    expect(composer).to_be_focused()
    expect(composer).to_have_accessible_description("Replying to bob: Who brings the cake?")
    # Deleted while the reply is written: the bar quotes it no more.
    delete = message(bobs, "Who brings the cake?").get_by_role("button", name="Delete")
    delete.click()
    expect(delete).to_have_text("Delete it for everyone")
    delete.click()
    expect(composer).to_have_accessible_description("Replying to bob: a deleted message")
    composer.fill("I do")
    composer.press("Escape")
    expect(alice.get_by_text("Replying to bob")).to_be_hidden()
    expect(composer).to_have_value("I do")
    composer.press("Enter")
    expect(message(bobs, "I do").locator(".quote")).to_have_count(0)
    page_problems.assert_none()


def test_a_screen_reader_hears_each_new_message_of_others_once(
    new_context, page_problems, room, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password, room)
    heard = alice.locator("#announcements")
    expect(heard).to_have_attribute("role", "log")
    expect(alice.get_by_role("list", name="History")).not_to_have_attribute("role", "log")
    send(bobs, "The train is late")
    expect(heard).to_have_text("bob: The train is late")
    send(alice, "How late?")
    message(bobs, "How late?").get_by_role("button", name="React").click()
    bobs.get_by_role("button", name="😮", exact=True).click()
    expect(message(alice, "How late?").get_by_role("button", name="😮 1")).to_be_visible()
    send(bobs, "Twenty minutes")
    # Neither her own message nor the reaction's redraw was read out; the next one of bob's was.
    expect(heard.locator("p")).to_have_text(["bob: The train is late", "bob: Twenty minutes"])
    page_problems.assert_none()


def test_sign_up_by_enter_in_the_email_field_and_a_failed_sign_in_keeps_the_focus(
    new_context, page_problems, user, password
):
    page = new_context().new_page()
    page.goto("/")
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password", exact=True).fill("not her password")
    sign_in = page.get_by_role("button", name="Sign in")
    # Refused as the auth mode refuses it (400, or 401 with JWT), in its own words.
    page_problems.allow(r"status of 40[01] \((Bad Request|Unauthorized)\)")
    sign_in.press("Enter")
    expect(page.get_by_role("alert")).not_to_be_empty()
    expect(sign_in).to_be_focused()
    # A name taken (in another case): the field is named as the form names it.
    page.get_by_label("Username", exact=True).fill("ALICE")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign up").click()
    taken = "Username: A user with that username already exists."
    expect(page.get_by_role("alert")).to_have_text(taken)
    page.get_by_label("Username", exact=True).fill("dora")
    page.get_by_label("Password", exact=True).fill(password)
    email = page.get_by_label("Email (to sign up; optional)")
    email.fill("dora@example.com")
    email.press("Enter")
    expect(page.get_by_text("Signed in as dora")).to_be_visible()
    # The keyboard goes on from the list of conversations, not from the top of the page.
    expect(page.get_by_role("navigation", name="Conversations").locator(":focus")).to_have_count(1)
    page_problems.assert_none()
