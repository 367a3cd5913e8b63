"""Signing out, in the project's auth mode: the page forgets the person, a reload does not bring
them back, and the server refuses the credential they had from then on (with JWT, the refresh
token and the access tokens of that login)."""

import json

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import open_room, room_link, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signing_out_forgets_the_person_and_ends_their_credential(
    new_context, page_problems, user, room, password
):
    page = new_context().new_page()
    sign_in(page, "alice", password)
    open_room(page, room.name or "bob")
    # Whatever credential this mode uses, the page's own requests carry it: replaying one of
    # them after signing out shows whether the server still takes it.
    with page.expect_request(lambda request: request.url.endswith("/api/auth/me/")) as seen:
        page.reload()
    credential = {
        name: value
        for name, value in seen.value.headers.items()
        if name in ("authorization", "cookie")
    }
    expect(room_link(page, room.name or "bob")).to_be_visible()
    assert page.request.get("/api/auth/me/", headers=credential).status == 200
    # What opening the room fetches has come back: signing out ends no request midway.
    page.wait_for_load_state("networkidle")
    kept = page.evaluate("Object.values(sessionStorage)")  # the token modes' credential

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
