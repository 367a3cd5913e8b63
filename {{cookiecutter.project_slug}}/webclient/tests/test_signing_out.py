"""Signing out, in the project's auth mode: the page forgets the person, a reload does not bring
them back, and the server refuses the credential they had from then on (with JWT, the refresh
token and the access tokens of that login). Signing out everywhere does it to every browser of
theirs."""

import json

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, room_link, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def credential_of(page) -> dict[str, str]:
    """Whatever credential this mode uses, the page's own requests carry it (read as the page
    reloads): replaying one of them shows whether the server still takes it."""
    with page.expect_request(lambda request: request.url.endswith("/api/auth/me/")) as seen:
        page.reload()
    return {
        name: value
        for name, value in seen.value.headers.items()
        if name in ("authorization", "cookie")
    }


def test_signing_out_forgets_the_person_and_ends_their_credential(
    new_context, page_problems, user, room, password
):
    page = new_context().new_page()
    sign_in(page, "alice", password)
    open_room(page, room.name or "bob")
    credential = credential_of(page)
    expect(room_link(page, room.name or "bob")).to_be_visible()
    assert page.request.get("/api/auth/me/", headers=credential).status == 200
    # What opening the room fetches has come back: signing out ends no request midway.
    page.wait_for_load_state("networkidle")
    kept = page.evaluate("Object.values(sessionStorage)")  # the token modes' credential

    # Offline, the server cannot end the credential, which would still be good (a session's
    # cookie would still sign this browser in): the page says so and stays signed in.
    page_problems.allow(r"net::ERR_INTERNET_DISCONNECTED")
    page.context.set_offline(True)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("Not signed out")
    expect(room_link(page, room.name or "bob")).to_be_visible()
    page.context.set_offline(False)
    expect(page.get_by_role("status").filter(has_text="Offline")).to_have_count(0)
    # A request of the reconnect's catch-up still on its way as the credential ends is refused,
    # and the browser logs it.
    page_problems.allow(r"status of 401 \(Unauthorized\)")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(room_link(page, room.name or "bob")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("Object.keys(sessionStorage)") == []
    assert page.request.get("/api/auth/me/", headers=credential).status == 401
    if credential.get("authorization", "").startswith("Bearer "):
        # With JWT, signing out blacklisted the refresh token too: it renews nothing any more.
        refresh = json.loads(kept[0])["refresh"]
        renewal = page.request.post("/api/auth/token/refresh/", data={"refresh": refresh})
        assert renewal.status == 401
    page_problems.assert_none()


def test_signing_out_everywhere_signs_out_every_browser_of_the_person_and_only_theirs(
    new_context, page_problems, user, bob, room, password
):
    laptop, phone, bobs = (new_context().new_page() for _ in range(3))
    for page, who in ((laptop, "alice"), (phone, "alice"), (bobs, "bob")):
        sign_in(page, who, password)
    open_room(phone, room.name or "bob")
    phones = credential_of(phone)
    expect(room_link(phone, room.name or "bob")).to_be_visible()
    assert phone.request.get("/api/auth/me/", headers=phones).status == 200
    # The phone's requests and socket end with its credential: the browser logs the refusals.
    page_problems.allow(r"status of 401 \(Unauthorized\)")

    laptop.get_by_role("button", name="Profile").click()
    laptop.get_by_role("dialog", name="Profile").get_by_role(
        "button", name="Sign out everywhere"
    ).click()
    expect(laptop.get_by_role("alert")).to_contain_text("Signed out everywhere")
    expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
    for page in (laptop, phone):
        page.reload()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # Not the page's forgetting alone: the server refuses what the phone had.
    assert phone.request.get("/api/auth/me/", headers=phones).status == 401
    # bob chats on, and alice signs in again with the password she had.
    open_room(bobs, room.name or "alice")
    send(bobs, "Still here")
    expect(message(bobs, "Still here")).not_to_contain_text("Sending")
    sign_in(laptop, "alice", password)
    open_room(laptop, room.name or "bob")
    expect(message(laptop, "Still here")).to_be_visible()
    page_problems.assert_none()
