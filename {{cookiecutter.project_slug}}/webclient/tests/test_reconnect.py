"""The server restarts under the web client: the client says it is offline, reconnects by
itself, and shows every message, once and in order, those sent while it was away included.
It reads its state once per connection: at sign-in, and again after the reconnect."""

import re
import signal
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from webclient.tests.browsing import message, messages, open_room, room_link, send, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODIES = ["Before the restart", "While the server was down", "Still down", "After the restart"]


def test_a_restart_loses_no_message_and_repeats_none(
    own_web_server, new_context, page_problems, user, bob, room, password, as_user
):
    server = own_web_server
    # While the server is down, the browser itself logs each refused connection.
    page_problems.allow(r"^WebSocket connection to 'ws://[^']+' failed")
    page_problems.allow(r"^Failed to load resource: net::ERR_CONNECTION_REFUSED$")
    alice, bobs = new_context(server).new_page(), new_context(server).new_page()
    room_list_reads, change_reads = [], []
    bobs.on(
        "request",
        lambda request: "/api/rooms/?" in request.url and room_list_reads.append(request.url),
    )
    # No message was edited, deleted or reacted to, and nobody's name or picture changed: the
    # catch-up's page of missed messages and the room list say so, and the page asks for no
    # changes.
    bobs.on(
        "request",
        lambda request: (
            ("changed_after=" in request.url or "/api/users/changed/" in request.url)
            and change_reads.append(request.url)
        ),
    )
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    # A group room's name, or for a 1-to-1 the other person's.
    open_room(alice, room.name or "bob")
    open_room(bobs, room.name or "alice")

    send(alice, BODIES[0])
    expect(message(bobs, BODIES[0])).to_be_visible()
    assert len(room_list_reads) == 1, room_list_reads

    server.stop()
    offline = bobs.get_by_role("status").filter(has_text="Offline")
    expect(offline).to_be_visible()
    # alice writes from another client meanwhile, through the REST API in this process: stored,
    # published to no one. In a thread of its own, as Playwright's event loop runs in this one.
    api = as_user(user)

    def post_while_down() -> list:
        try:
            return [
                api.post(
                    f"/api/rooms/{room.pk}/messages/",
                    {"body": body, "client_id": str(uuid.uuid4())},
                    format="json",
                )
                for body in BODIES[1:3]
            ]
        finally:
            connections.close_all()  # this thread's, before the test database goes

    with ThreadPoolExecutor(max_workers=1) as thread:
        for answer in thread.submit(post_while_down).result():
            assert answer.status_code == 201, answer.content

    server.restart()
    # The client retries with backoff (up to 8 s apart by the fourth attempt).
    expect(offline).to_be_hidden(timeout=30_000)
    expect(alice.get_by_role("status").filter(has_text="Offline")).to_be_hidden(timeout=30_000)
    send(alice, BODIES[3])
    expect(message(bobs, BODIES[3])).to_be_visible()
    # bob answers: by the time alice has his answer, each page's catch-up is long done.
    send(bobs, "All four, thanks")
    everything = [*BODIES, "All four, thanks"]
    for page, who in ((alice, "alice"), (bobs, "bob")):
        expect(message(page, everything[-1])).to_be_visible()
        history = messages(page)
        try:
            expect(history).to_have_count(len(everything))
        except AssertionError:
            raise AssertionError(f"{who}'s page shows {history.all_inner_texts()}") from None
        expect(history).to_contain_text(everything)
    assert len(room_list_reads) == 2, room_list_reads
    assert change_reads == []
    page_problems.assert_none()


def test_a_page_whose_socket_cannot_open_still_shows_its_rooms(
    new_context, page_problems, user, room, password
):
    """The state is read at session.ready; a socket refused on the way (a proxy that does not
    pass WebSockets) must not leave the page empty."""
    page = new_context().new_page()
    page.route_web_socket(re.compile(r"/ws/"), lambda socket: socket.close(code=1011))
    sign_in(page, "alice", password)
    expect(room_link(page, room.name or "bob")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text=re.compile("Offline|Connecting"))
    ).to_be_visible()
    page_problems.assert_none()


def from_another_client(request):
    """request() (a call of the REST API) made as another client would: in a thread of its own,
    as Playwright's event loop runs in this one. Its answer."""

    def made():
        try:
            return request()
        finally:
            connections.close_all()  # this thread's, before the test database goes

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(made).result()


def post_from_another_client(api, room, body: str) -> dict:
    """`body` stored in `room` through the REST API, as another client of its sender's would.
    The message stored."""
    sent = {"body": body, "client_id": str(uuid.uuid4())}
    answer = from_another_client(
        lambda: api.post(f"/api/rooms/{room.pk}/messages/", sent, format="json")
    )
    assert answer.status_code == 201, answer.content
    return answer.data


def test_a_page_that_loses_its_network_says_so_at_once_and_catches_up_when_back(
    new_context, page_problems, as_user, user, bob, room, password
):
    """A laptop's lid closed: the socket would not hear of the lost network for minutes. An
    edit made meanwhile waits in its form, to save once the page is back. What others changed
    meanwhile (an edit, a deletion, a reaction, their name) shows once it is back, as what they
    sent does."""
    # What was on its way when the network went (a members list) fails, and the browser says so.
    page_problems.allow(r"net::ERR_INTERNET_DISCONNECTED")
    # Before alice's page opens, which reads them: sent in this process, they are delivered live
    # only through a channel layer the server shares (Redis).
    bobs = as_user(bob)
    post_from_another_client(bobs, room, "Said before the lid closed")
    edited = post_from_another_client(bobs, room, "Soon to be edited")
    deleted = post_from_another_client(bobs, room, "Soon to be deleted")
    browser = new_context()
    alice = browser.new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    send(alice, "A typo hree")
    expect(message(alice, "A typo hree")).not_to_contain_text("Sending")
    expect(message(alice, "Soon to be deleted")).to_be_visible()
    browser.set_offline(True)
    offline = alice.get_by_role("status").filter(has_text="Offline")
    expect(offline).to_be_visible()
    message(alice, "A typo hree").get_by_role("button", name="Edit").click()
    alice.get_by_label("New text").fill("A typo here")
    alice.get_by_label("New text").press("Enter")
    refused = alice.get_by_text("Offline: try again once reconnected.")
    expect(refused).to_be_visible()
    expect(alice.get_by_label("New text")).to_have_value("A typo here")

    post_from_another_client(bobs, room, "While you were away")
    for change in (
        lambda: bobs.patch(f"/api/messages/{edited['id']}/", {"body": "Edited while away"}),
        lambda: bobs.delete(f"/api/messages/{deleted['id']}/"),
        lambda: bobs.post(f"/api/messages/{edited['id']}/reactions/", {"emoji": "\U0001f44d"}),
        lambda: bobs.patch("/api/auth/me/", {"display_name": "Robert"}),
    ):
        assert from_another_client(change).status_code in (200, 201, 204)
    browser.set_offline(False)
    expect(offline).to_be_hidden()
    expect(message(alice, "While you were away")).to_be_visible()
    expect(message(alice, "Edited while away")).to_contain_text("(edited)")
    expect(
        message(alice, "Edited while away").get_by_role("button", name="\U0001f44d 1")
    ).to_be_visible()
    expect(message(alice, "Soon to be deleted")).to_have_count(0)
    # A message read before, and changed by nothing since, names its sender as they are now.
    expect(message(alice, "Said before the lid closed").locator(".sender")).to_have_text("Robert")
    expect(refused).to_be_hidden()
    alice.get_by_role("button", name="Save").click()
    expect(message(alice, "A typo here")).to_contain_text("(edited)")
    page_problems.assert_none()


def test_a_send_left_unanswered_gives_the_socket_up_and_goes_again_once(
    own_web_server, new_context, as_user, user, bob, room, password
):
    """A network path that died without a word keeps the socket "open": the send's answer that
    never comes is the sign. The page's clock is the test's; the server is paused (SIGSTOP),
    as a dead path leaves it to the client."""
    server = own_web_server
    alice = new_context(server).new_page()
    alice.clock.install()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    expect(alice.get_by_text("Offline — reconnecting…")).to_be_hidden()
    server.process.send_signal(signal.SIGSTOP)
    try:
        send(alice, "Into the silence")
        expect(message(alice, "Into the silence")).to_contain_text("Sending…")
        alice.clock.fast_forward(14_000)
        expect(alice.get_by_text("Offline — reconnecting…")).to_be_hidden()
        alice.clock.fast_forward(2_000)
        expect(alice.get_by_text("Offline — reconnecting…")).to_be_visible()
    finally:
        server.process.send_signal(signal.SIGCONT)
    # Stored: no longer waiting, for the connection or for its answer.
    waiting = re.compile("Sending…|Waiting for the connection…")
    expect(message(alice, "Into the silence").filter(has_text=waiting)).to_have_count(0)
    expect(message(alice, "Into the silence")).to_have_count(1)
    # Newest first: turned to the order stored.
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"][::-1]
    assert [stored["body"] for stored in history].count("Into the silence") == 1


def test_a_catch_up_the_server_cannot_answer_goes_again_until_it_does(
    new_context, page_problems, as_user, bob, room, password
):
    """The database briefly out of reach as the page comes back: the page's catch-up is answered
    503, as the server answers then (core/outages.py). The page says what it may lack, and
    tries again, further apart each time, until it is answered. The page's clock is the test's."""
    page_problems.allow(r"net::ERR_INTERNET_DISCONNECTED")
    page_problems.allow(r"the server responded with a status of 503")
    browser = new_context()
    alice = browser.new_page()
    alice.clock.install()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    # What signing in and opening the room read has come back: a read cut off by the lost
    # network would say, before the catch-up, that the page may lack what it missed.
    alice.wait_for_load_state("networkidle")
    browser.set_offline(True)
    expect(alice.get_by_text("Offline — reconnecting…")).to_be_visible()
    post_from_another_client(as_user(bob), room, "While you were away")
    refused = []

    def unavailable(route) -> None:
        if len(refused) == 2:
            route.continue_()
            return
        refused.append(route.request.url)
        detail = "The service is briefly unavailable: try again in a few seconds."
        route.fulfill(status=503, json={"detail": detail}, headers={"Retry-After": "5"})

    alice.route(re.compile(r"/api/rooms/\d+/messages/\?after="), unavailable)
    browser.set_offline(False)
    behind = alice.get_by_role("status").filter(has_text="what you missed will show")
    expect(behind).to_be_visible()
    assert len(refused) == 1
    alice.clock.fast_forward(2_400)  # the first wait: 1.6 to 2.4 s
    for _ in range(200):  # an upper bound only: the route answers as this thread asks the page
        if len(refused) == 2:
            break
        alice.evaluate("0")
    assert len(refused) == 2
    expect(behind).to_be_visible()
    expect(message(alice, "While you were away")).to_have_count(0)
    alice.clock.fast_forward(4_800)  # the second wait: 3.2 to 4.8 s
    expect(message(alice, "While you were away")).to_be_visible()
    expect(behind).to_be_hidden()
    page_problems.assert_none()
