"""Changing one's password in the web client: the page that changed it stays signed in and
chats on; the user's other browsers are signed out; only the new password signs in."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import change_password, message, open_room, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-new-horse-battery-staple"


def test_a_new_password_signs_out_the_other_devices_and_not_this_page(
    new_context, page_problems, room, user, password
):
    alice, laptop = new_context().new_page(), new_context().new_page()
    sign_in(alice, "alice", password)
    sign_in(laptop, "alice", password)
    # The wrong current password changes nothing, and says so.
    page_problems.allow(r"status of 400 \(Bad Request\)")
    status = change_password(alice, "not-my-password", NEW_PASSWORD)
    expect(status).to_have_text("The password is not correct.")
    profile = alice.get_by_role("dialog", name="Profile")
    profile.get_by_role("button", name="Cancel").click()

    # The other browser's requests and socket end with its credential: it logs them.
    page_problems.allow(r"status of (401 \(Unauthorized\)|403 \(Forbidden\))")
    expect(change_password(alice, password, NEW_PASSWORD)).to_contain_text("Password changed")
    profile.get_by_role("button", name="Cancel").click()

    expect(laptop.get_by_role("button", name="Sign in")).to_be_visible()
    open_room(alice, room.name or "bob")
    send(alice, "Still here")
    expect(message(alice, "Still here")).not_to_contain_text("Sending")

    laptop.get_by_label("Username", exact=True).fill("alice")
    laptop.get_by_label("Password", exact=True).fill(password)
    laptop.get_by_role("button", name="Sign in").click()
    expect(laptop.get_by_role("alert")).not_to_be_empty()  # the old password, refused
    sign_in(laptop, "alice", NEW_PASSWORD)
    page_problems.assert_none()
