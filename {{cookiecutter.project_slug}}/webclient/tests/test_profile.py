"""A person's profile in the web client: the name others see and the picture beside it, which
change on the other person's screen as they are saved."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, png, room_link, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_sets_their_name_and_picture_and_the_other_sees_them(
    new_context, page_problems, user, bob, room, password, tmp_path
):
    alice, bobs = alice_and_bob(new_context, password, room)
    send(alice, "Before the change")
    expect(message(bobs, "Before the change")).to_contain_text("alice")
    picture = tmp_path / "me.png"
    picture.write_bytes(png())

    alice.get_by_role("button", name="Profile").click()
    # Refused by the server (a text-direction character): it says why, and nothing changes.
    page_problems.allow(r"status of 400 \(Bad Request\)")  # the browser logs the refusal
    alice.get_by_label("Display name").fill("Alice\u202eecilA")
    alice.get_by_role("button", name="Save profile").click()
    expect(alice.get_by_role("dialog").get_by_role("alert")).to_contain_text("Display name: ")
    alice.get_by_label("Display name").fill("Alice Liddell")
    alice.get_by_label("Picture", exact=True).set_input_files(picture)
    alice.get_by_role("button", name="Save profile").click()
    expect(alice.get_by_role("dialog")).to_be_hidden()
    expect(alice.get_by_text("Signed in as Alice Liddell", exact=True)).to_be_visible()
    user.refresh_from_db()
    assert (user.display_name, bool(user.avatar)) == ("Alice Liddell", True)

    # On bob's screen at once, where alice was named: her message, and a 1-to-1's name. Her
    # username beside it: anyone may choose the display name "Alice Liddell".
    expect(message(bobs, "Before the change")).to_contain_text("Alice Liddell @alice")
    if not room.name:
        expect(room_link(bobs, "Alice Liddell")).to_be_visible()
    send(alice, "New name, new face")
    said = message(bobs, "New name, new face")
    expect(said).to_contain_text("Alice Liddell")
    # The picture beside the name, fetched with bob's credential and shown.
    expect(said.locator("img.avatar")).to_have_js_property("complete", True)
    assert said.locator("img.avatar").evaluate("image => image.naturalWidth") > 0

    # Taken back: the name empty shows the username again, the picture removed.
    alice.reload()
    alice.get_by_role("button", name="Profile").click()
    expect(alice.get_by_label("Display name")).to_have_value("Alice Liddell")
    alice.get_by_label("Display name").fill("")
    alice.get_by_label("Remove my picture").check()
    alice.get_by_role("button", name="Save profile").click()
    expect(alice.get_by_text("Signed in as alice", exact=True)).to_be_visible()
    user.refresh_from_db()
    assert (user.display_name, bool(user.avatar)) == ("", False)
    page_problems.assert_none()


def test_an_account_deleted_shows_as_a_deleted_users_on_the_other_screen_at_once(
    new_context, page_problems, user, bob, room, password
):
    alice, bobs = alice_and_bob(new_context, password, room)
    send(bobs, "Goodbye, everyone")
    said = message(alice, "Goodbye, everyone")
    expect(said).to_contain_text("bob")

    bobs.get_by_role("button", name="Profile").click()
    profile = bobs.get_by_role("dialog", name="Profile")
    # The wrong password deletes nothing, and says so.
    page_problems.allow(r"status of 400 \(Bad Request\)")
    profile.get_by_label("Your password, to confirm").fill("not-my-password")
    profile.get_by_role("button", name="Delete my account").click()
    profile.get_by_role("button", name="Delete it, for good").click()
    expect(profile.get_by_role("alert")).to_contain_text("password")
    # Refused, the button is disarmed: one more click alone deletes nothing.
    expect(profile.get_by_role("button", name="Delete my account")).to_be_visible()
    # Requests still on their way when the account goes (a members list, a token renewal) are
    # refused (401), or find the room no longer theirs (404) when their
    # credential was checked just before the deletion committed: the browser logs them, and the
    # page keeps its reason.
    page_problems.allow(r"status of (401 \(Unauthorized\)|403 \(Forbidden\)|404 \(Not Found\))")
    profile.get_by_label("Your password, to confirm").fill(password)
    profile.get_by_role("button", name="Delete my account").click()
    profile.get_by_role("button", name="Delete it, for good").click()
    expect(bobs.get_by_text("Your account was deleted.")).to_be_visible()
    expect(bobs.get_by_role("button", name="Sign in")).to_be_visible()

    expect(said).to_contain_text("Deleted user")
    if not room.name:  # their 1-to-1 is named by the other person
        expect(room_link(alice, "Deleted user")).to_be_visible()
        # Nobody is left to write to: the composer goes, and so do Block and presence.
        expect(alice.get_by_text("They deleted their account")).to_be_visible()
        expect(alice.get_by_label("Message", exact=True)).to_be_hidden()
        expect(alice.get_by_role("button", name="Block")).to_have_count(0)
    page_problems.assert_none()
