"""Sends the server refuses: too fast, they all arrive later, in the order typed; refused for
good, the user sees why and may discard them, or take them back to change; too long, the
composer says so before sending, and keeps the text."""

import json
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from webclient.tests.browsing import (
    attach,
    message,
    messages,
    open_room,
    send,
    sign_in,
    submit_at_once,
)
from webclient.tests.conftest import WEB_SERVER_ENV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODIES = [f"Burst message {number:02d}" for number in range(12)]


def refusals_as_too_fast(page) -> list[dict]:
    """The rate_limited errors `page`'s sockets receive from now on, as they arrive."""
    refused = []

    def watch(socket):
        def received(payload):
            frame = json.loads(payload) if isinstance(payload, str) else {}
            if frame.get("code") == "rate_limited":
                refused.append(frame)

        socket.on("framereceived", received)

    page.on("websocket", watch)
    return refused


def test_a_burst_past_the_message_limit_is_stored_in_the_order_typed(
    start_server, new_context, user, bob, room, password
):
    # Three messages a second: the burst is refused as too fast (rate_limited) all along.
    server = start_server({**WEB_SERVER_ENV, "CHAT_RATE_LIMIT_MESSAGES": "3/1"})
    alice, bobs = new_context(server).new_page(), new_context(server).new_page()
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")

    submit_at_once(alice, BODIES)
    # Those the server refused as too fast say so while they wait their turn.
    expect(alice.get_by_text("Sent too fast: it goes in a moment…").first).to_be_visible()
    for body in BODIES:
        expect(message(bobs, body)).to_have_count(1)
    # Read again from the server: the history, in the order the messages were stored.
    bobs.reload()
    open_room(bobs, room.name or "alice")
    expect(messages(bobs).filter(has_text="Burst message")).to_contain_text(BODIES)


def test_a_burst_across_the_turns_of_the_limits_window_keeps_its_order(
    start_server, new_context, user, room, password
):
    """At the turn of a window the server takes sends again: a burst's later messages, had they
    been on their way already, would be stored before its earlier ones refused just before."""
    server = start_server({**WEB_SERVER_ENV, "CHAT_RATE_LIMIT_MESSAGES": "2/0.1"})
    alice = new_context(server).new_page()
    refused = refusals_as_too_fast(alice)
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    bodies = [f"Quick message {number:02d}" for number in range(30)]

    submit_at_once(alice, bodies)
    burst = messages(alice).filter(has_text="Quick message")
    expect(burst).to_have_count(len(bodies))
    # Stored, each of them: no longer "Sending…" or "Sent too fast".
    expect(burst.filter(has_text=re.compile("Sending…|Sent too fast"))).to_have_count(0)
    assert refused, "the burst went no faster than the limit"
    alice.reload()
    open_room(alice, room.name or "bob")
    expect(messages(alice).filter(has_text="Quick message")).to_contain_text(bodies)


def test_messages_waiting_their_turn_go_after_a_reload(
    start_server, new_context, as_user, user, bob, room, password
):
    server = start_server({**WEB_SERVER_ENV, "CHAT_RATE_LIMIT_MESSAGES": "1/1"})
    alice = new_context(server).new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    bodies = [f"Before the reload {number}" for number in range(4)]
    submit_at_once(alice, bodies)
    expect(alice.get_by_text("Sent too fast: it goes in a moment…").first).to_be_visible()
    alice.reload()
    open_room(alice, room.name or "bob")
    burst = messages(alice).filter(has_text="Before the reload")
    expect(burst).to_have_count(len(bodies))
    waiting = re.compile("Sending…|Sent too fast|Waiting for the connection")
    expect(burst.filter(has_text=waiting)).to_have_count(0)
    # Newest first: turned to the order stored.
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"][::-1]
    assert [stored["body"] for stored in history] == bodies


class OutageOfStorage:
    """Between `page` and the server: its socket's first `refusals` sends are answered as the
    server answers a send it cannot store (its database out of reach), and go no further. Keeps
    the types of the frames the page sent, in order (`sent`)."""

    def __init__(self, page, refusals: int):
        self.page, self.refusals, self.sent = page, refusals, []
        page.route_web_socket(re.compile(r"/ws/chat/"), self.route)

    def route(self, socket) -> None:
        server = socket.connect_to_server()

        def from_page(payload) -> None:
            frame = json.loads(payload)
            self.sent.append(frame["type"])
            if frame["type"] == "message.send" and self.sends() <= self.refusals:
                socket.send(json.dumps(STORE_FAILED | {"ref": frame["client_id"]}))
            else:
                server.send(payload)

        socket.on_message(from_page)

    def sends(self) -> int:
        return self.sent.count("message.send")

    def wait_until(self, condition) -> None:
        """Until `condition()`: the page's frames reach this thread while it asks the page."""
        for _ in range(200):  # an upper bound only
            if condition():
                return
            self.page.evaluate("0")
        raise AssertionError(f"never happened; the page sent {self.sent}")


STORE_FAILED = {
    "type": "error",
    "code": "unavailable",
    "detail": "The message could not be stored. Send it again with the same client_id.",
}


def test_a_send_the_server_cannot_store_goes_again_ever_further_apart(
    new_context, as_user, user, room, password
):
    """Every page of an outage retrying every 2 s, in step, would meet the server all at once
    as it came back: each wait doubles (within a fifth), from 2 s. The page's clock is the
    test's."""
    alice = new_context().new_page()
    outage = OutageOfStorage(alice, refusals=3)
    alice.clock.install()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    send(alice, "Through the outage")
    expect(message(alice, "Through the outage")).to_contain_text("cannot store messages")
    assert outage.sends() == 1
    alice.clock.fast_forward(2_400)  # the first wait: 1.6 to 2.4 s
    outage.wait_until(lambda: outage.sends() == 2)
    alice.clock.fast_forward(2_000)  # since the second send: 2.0 to 2.8 s, and it waits 3.2
    # A frame the page sends now: the third send, had it gone, would have come before it.
    alice.get_by_label("Message", exact=True).fill("typing meanwhile")
    outage.wait_until(lambda: outage.sent[-1].startswith("typing"))
    assert outage.sends() == 2, outage.sent
    alice.clock.fast_forward(3_000)  # since the second send: 5.0 to 5.8 s, past 4.8
    outage.wait_until(lambda: outage.sends() == 3)
    alice.clock.fast_forward(10_000)  # the third wait: 6.4 to 9.6 s; the server takes this one
    waiting = re.compile("Sending…|cannot store")
    expect(message(alice, "Through the outage").filter(has_text=waiting)).to_have_count(0)
    assert outage.sends() == 4
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert [stored["body"] for stored in history] == ["Through the outage"]


# Before the client's modules run (they run once the page is parsed), its limit is raised.
RAISED_LIMIT = """
new MutationObserver((_, observer) => {
  if (!document.body) return;
  document.body.dataset.maxMessageLength = "9999";
  observer.disconnect();
}).observe(document, { childList: true, subtree: true });
"""


def with_a_stale_length_limit(page) -> None:
    """Give `page` a limit above the server's, as a page loaded before the server's limit was
    lowered has: its over-long sends reach the server, which refuses them."""
    page.add_init_script(RAISED_LIMIT)


def test_a_message_refused_for_good_says_why_and_can_be_discarded(
    new_context, user, bob, room, password
):
    alice = new_context().new_page()
    with_a_stale_length_limit(alice)
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    send(alice, "x" * 5000)
    refused = message(alice, "Not sent")
    expect(refused).to_contain_text("at most 4000 characters")
    refused.get_by_role("button", name="Discard").click()
    expect(message(alice, "Not sent")).to_have_count(0)
    # What comes next goes as usual: nothing of the discarded one goes with it.
    send(alice, "Shorter, then")
    bobs = new_context().new_page()
    sign_in(bobs, "bob", password)
    open_room(bobs, room.name or "alice")
    expect(message(bobs, "Shorter, then")).to_be_visible()
    expect(message(bobs, "xxxx")).to_have_count(0)


def test_a_refused_message_goes_back_to_the_composer_to_be_changed(
    new_context, page_problems, user, bob, room, password
):
    alice = new_context().new_page()
    with_a_stale_length_limit(alice)
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    send(alice, "Too long: " + "y" * 4000)
    refused = message(alice, "Not sent")
    expect(refused).to_contain_text("at most 4000 characters")
    # Not over a message being written: it would be lost.
    composer = alice.get_by_label("Message", exact=True)
    composer.fill("A draft of mine")
    refused.get_by_role("button", name="Edit").click()
    expect(alice.get_by_role("alert")).to_contain_text("Send or clear the message you are writing")
    expect(composer).to_have_value("A draft of mine")
    expect(message(alice, "Not sent")).to_have_count(1)
    composer.fill("")
    refused.get_by_role("button", name="Edit").click()
    expect(message(alice, "Not sent")).to_have_count(0)
    expect(composer).to_have_value("Too long: " + "y" * 4000)
    composer.fill("Short enough now")
    alice.get_by_role("button", name="Send", exact=True).click()
    bobs = new_context().new_page()
    sign_in(bobs, "bob", password)
    open_room(bobs, room.name or "alice")
    expect(message(bobs, "Short enough now")).to_be_visible()
    page_problems.assert_none()


def test_the_composer_keeps_a_message_over_the_limit_and_says_so(
    new_context, page_problems, user, room, password
):
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    # 4,001 characters, one of them outside the BMP: the server counts code points.
    body = "\N{GRINNING FACE}" + "z" * 4000
    send(alice, body)
    expect(alice.get_by_role("alert")).to_have_text(
        "A message is at most 4000 characters: this one has 4001."
    )
    expect(alice.get_by_label("Message", exact=True)).to_have_value(body)
    expect(message(alice, "zzzz")).to_have_count(0)
    send(alice, body[:-1])
    expect(message(alice, "zzzz")).to_have_count(1)
    expect(message(alice, "zzzz")).not_to_contain_text("Not sent")
    page_problems.assert_none()


def test_a_refused_file_says_why_under_its_name(new_context, page_problems, user, room, password):
    page_problems.allow(r"status of 400 \(Bad Request\)")  # the upload, refused
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    random = {"name": "random.bin", "mimeType": "application/octet-stream"}
    attach(alice, {**random, "buffer": bytes(range(256)) * 64})
    upload = alice.locator("#uploads li")
    reason = upload.locator(".error")
    expect(reason).to_contain_text("not allowed")
    name, why = upload.get_by_text("random.bin", exact=True).bounding_box(), reason.bounding_box()
    # The name on one line, as wide as its text, and the reason on a line of its own below it.
    assert name["width"] > name["height"]
    assert why["y"] >= name["y"] + name["height"]

    # A file over the limit is refused before it is sent at all (the server would answer 413
    # only once it had come that far), saying what the limit is.
    uploads = []
    alice.on("request", lambda request: "/attachments/" in request.url and uploads.append(request))
    too_large = {"name": "big.txt", "mimeType": "text/plain"}
    attach(alice, {**too_large, "buffer": b"x" * (settings.ATTACHMENTS_MAX_BYTES + 1)})
    expect(alice.locator("#uploads li", has_text="big.txt")).to_contain_text(
        "Over the limit of 10.0 MiB"
    )
    assert uploads == []
    page_problems.assert_none()
