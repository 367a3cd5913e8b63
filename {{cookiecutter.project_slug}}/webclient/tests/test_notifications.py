"""Desktop notifications, chosen per device in the profile: another person's message while the
tab is in the background is notified, one notification per room, and a click on it opens the
room; nothing is notified while the tab is on screen."""

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


def test_a_message_while_the_tab_is_away_is_notified_and_its_click_opens_the_room(
    new_context, page_problems, user, bob, room, password
):
    browser = new_context()
    browser.grant_permissions(["notifications"])
    browser.add_init_script(RECORD_NOTIFICATIONS)
    alice, bobs = browser.new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    alice.get_by_role("button", name="Profile").click()
    profile = alice.get_by_role("dialog", name="Profile")
    choice = profile.get_by_label("While this tab is in the background, notify me of")
    expect(choice).to_have_value("none")
    choice.select_option("all")
    expect(profile.get_by_text("Notifications on.")).to_be_visible()
    profile.get_by_role("button", name="Cancel").click()

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
    expect(choice).to_have_value("all")
    page_problems.assert_none()
