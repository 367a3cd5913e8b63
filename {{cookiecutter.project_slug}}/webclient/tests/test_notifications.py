"""Desktop notifications, chosen per device in the profile: another person's message while the
tab is in the background is notified (every one, or those addressed to me), one notification
per room, and a click on it opens the room; nothing is notified while the tab is on screen. A
message that mentions me stands out in the history."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, room_entry, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every notification the page makes, kept where the test reads it: the browser shows them
# outside the page, where Playwright cannot look.
RECORD_NOTIFICATIONS = """
window.notificationsShown = [];
window.Notification = class extends window.Notification {
  constructor(title, options) {
    super(title, options);
    window.notificationsShown.push(this);
  }
};
"""
# What a page hears when its tab goes to the background (a headless page is always on screen).
HIDE_THE_TAB = """
Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
document.dispatchEvent(new Event("visibilitychange"));
"""


def notifications(page, count: int) -> list[list[str]]:
    """[title, body, tag] of each notification the page made, once it has made `count` (the
    polling is Python's: the page's policy refuses a predicate evaluated in it)."""
    for _ in range(100):  # an upper bound only
        shown = page.evaluate("window.notificationsShown.map((n) => [n.title, n.body, n.tag])")
        if len(shown) >= count:
            return shown
        page.wait_for_timeout(100)
    return shown


def alice_and_bob(new_context, password):
    """alice's page, in a browser that allows its notifications, and bob's; both signed in."""
    browser = new_context()
    browser.grant_permissions(["notifications"])
    browser.add_init_script(RECORD_NOTIFICATIONS)
    alice, bobs = browser.new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    return alice, bobs


def notification_choice(page):
    return page.get_by_role("dialog", name="Profile").get_by_label(
        "While this tab is in the background, notify me of"
    )


def choose_notifications(page, value: str) -> None:
    page.get_by_role("button", name="Profile").click()
    profile = page.get_by_role("dialog", name="Profile")
    expect(notification_choice(page)).to_have_value("none")
    notification_choice(page).select_option(value)
    expect(profile.get_by_text("Notifications on.")).to_be_visible()
    profile.get_by_role("button", name="Cancel").click()


def test_a_message_while_the_tab_is_away_is_notified_and_its_click_opens_the_room(
    new_context, page_problems, user, bob, room, password
):
    alice, bobs = alice_and_bob(new_context, password)
    choose_notifications(alice, "all")

    open_room(bobs, room.name or "alice")
    send(bobs, "Seen on screen")
    # Delivered, on screen in the list: not notified (the next ones show it).
    expect(room_entry(alice, room.name or "bob")).to_contain_text("Seen on screen")
    alice.evaluate(HIDE_THE_TAB)
    send(bobs, "While you were away")
    send(bobs, "And again")
    shown = notifications(alice, count=2)
    title = f"bob in {room.name}" if room.name else "bob"
    tag = f"room-{room.pk}"
    assert shown == [[title, "While you were away", tag], [title, "And again", tag]]

    alice.evaluate("window.notificationsShown[1].onclick()")
    expect(alice.get_by_role("heading", name=room.name or "bob", exact=True)).to_be_visible()
    expect(message(alice, "And again")).to_be_visible()
    # The choice is this device's: it is there on the next visit.
    alice.reload()
    alice.get_by_role("button", name="Profile").click()
    expect(notification_choice(alice)).to_have_value("all")
    page_problems.assert_none()


def test_what_is_addressed_to_me_is_notified_and_a_mention_of_me_stands_out(
    new_context, page_problems, user, bob, room, password
):
    """In a group, a message is addressed to me when it names me (@alice, in any case); in a
    1-to-1, every message is."""
    alice, bobs = alice_and_bob(new_context, password)
    choose_notifications(alice, "mine")
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")
    send(bobs, "Hello everyone, write to alice@example.com")
    send(bobs, "Over to you, @Alice.")
    expect(message(alice, "Over to you, @Alice.")).to_contain_text("mentions you")
    expect(message(alice, "Hello everyone")).not_to_contain_text("mentions you")

    alice.evaluate(HIDE_THE_TAB)
    send(bobs, "Lunch at noon")
    send(bobs, "@alice are you in?")
    addressed = ["@alice are you in?"] if room.name else ["Lunch at noon", "@alice are you in?"]
    shown = notifications(alice, count=len(addressed))
    assert [body for _, body, _ in shown] == addressed
    page_problems.assert_none()
