"""Session mode: a browser's tabs share one session cookie, so what one tab does to its session
leaves the others signed in as it is."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import change_password, message, open_room, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_password_changed_in_one_tab_leaves_the_others_signed_in(
    new_context, page_problems, room, user, password
):
    """Every socket of the user closes (4401), the other tab's too: the first tab signs in anew,
    with the cookie every tab uses, so the other opens its socket again rather than tell its
    user the session has ended. It may ask before that sign-in, and be refused."""
    page_problems.allow(r"status of 401 \(Unauthorized\)")
    browser = new_context()
    first, second = browser.new_page(), browser.new_page()
    sign_in(first, "alice", password)
    sign_in(second, "alice", password)
    open_room(second, room.name or "bob")
    expect(change_password(first, password, "a-new-horse-battery-staple")).to_contain_text(
        "Password changed"
    )
    send(second, "Still signed in here")
    expect(message(second, "Still signed in here")).not_to_contain_text("Sending")
    expect(second.get_by_role("button", name="Sign in")).to_have_count(0)
    first.get_by_role("dialog", name="Profile").get_by_role("button", name="Cancel").click()
    open_room(first, room.name or "bob")
    expect(message(first, "Still signed in here")).to_be_visible()
    page_problems.assert_none()


def test_a_sign_in_at_the_admin_is_the_chats_too(new_context, page_problems, user, password):
    """One session for the browser: staff who signed in at /admin/ find the chat signed in."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    page = new_context().new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("Signed in as alice", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    page_problems.assert_none()
