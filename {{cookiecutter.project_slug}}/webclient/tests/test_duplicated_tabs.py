"""JWT mode: a duplicated tab starts with a copy of its tab's tokens (sessionStorage is copied),
and a refresh token renews once only. The tabs take turns to renew, and the one that renews
hands the new tokens to the other: both stay signed in."""

import json

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, send, sign_in
from webclient.tests.conftest import WEB_SERVER_ENV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# An access token this short is renewed 10 s after the tab has it (jwt.js renews a minute before
# expiry): time for the test to open the duplicate first.
SHORT_LIVED = {**WEB_SERVER_ENV, "JWT_ACCESS_TTL_SECONDS": "70"}
RENEWED_WITHIN_MS = 30_000  # an upper bound only
TOKENS = "JSON.parse(sessionStorage.getItem('chat.jwt'))?."


def test_a_duplicated_tab_and_its_original_both_stay_signed_in_past_a_renewal(
    new_context, start_server, page_problems, user, room, password
):
    page_problems.allow(r"status of 401 \(Unauthorized\)")  # the refused renewal, if any
    context = new_context(start_server(SHORT_LIVED))
    renewals = []
    context.on(
        "response",
        lambda answer: renewals.append(answer.status) if "/token/refresh/" in answer.url else None,
    )
    original = context.new_page()
    sign_in(original, "alice", password)
    stored = original.evaluate("sessionStorage.getItem('chat.jwt')")
    duplicate = context.new_page()
    duplicate.add_init_script(f"sessionStorage.setItem('chat.jwt', {json.dumps(stored)})")
    duplicate.goto("/")
    for page in (original, duplicate):
        open_room(page, room.name or "bob")

    # Both tabs' timers come due at once (a minute before the same expiry): one renews, and the
    # other takes what it got.
    original.wait_for_function(
        f"stored => {TOKENS}refresh !== JSON.parse(stored).refresh",
        arg=stored,
        timeout=RENEWED_WITHIN_MS,
    )
    renewed = original.evaluate(f"{TOKENS}refresh")
    duplicate.wait_for_function(
        f"renewed => {TOKENS}refresh === renewed", arg=renewed, timeout=RENEWED_WITHIN_MS
    )
    assert duplicate.evaluate(f"{TOKENS}access") == original.evaluate(f"{TOKENS}access")
    send(duplicate, "from the duplicate, after the renewal")
    expect(message(original, "from the duplicate, after the renewal")).to_be_visible()
    send(original, "from the original, after the renewal")
    expect(message(duplicate, "from the original, after the renewal")).to_be_visible()
    # The other tab asks too if its turn comes before the message: it is refused, and takes
    # the tokens from the message that follows.
    assert renewals in ([200], [200, 401])
    page_problems.assert_none()
