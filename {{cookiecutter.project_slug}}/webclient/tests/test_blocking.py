"""Blocking someone from a 1-to-1 in the web client: their messages are refused, and they see
why, until the conversation's owner unblocks them."""

import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, open_room, send, sign_in
from webclient.tests.fixtures_direct import start_direct_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_blocked_person_cannot_write_until_unblocked(
    new_context, page_problems, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password)
    # On a phone's width the list gives way to the new conversation, as to any room opened.
    desktop = alice.viewport_size
    alice.set_viewport_size({"width": 390, "height": 800})
    alice.get_by_label("Search people").fill("bob")
    alice.get_by_role("button", name="Start conversation").click()
    expect(alice.get_by_role("heading", name="New conversation with bob")).to_be_visible()
    expect(alice.get_by_label("Message", exact=True)).to_be_visible()
    alice.set_viewport_size(desktop)
    start_direct_conversation(alice, bobs, "alice", "bob")
    # alice's other tab, on the same conversation: it shows what the first one does.
    other_tab = alice.context.new_page()
    sign_in(other_tab, "alice", password)
    open_room(other_tab, "bob")

    alice.get_by_role("button", name="Block", exact=True).click()
    expect(alice.get_by_text("Blocked: they cannot write to you")).to_be_visible()
    expect(other_tab.get_by_text("Blocked: they cannot write to you")).to_be_visible()
    send(bobs, "Are you there?")
    expect(message(bobs, "Not sent")).to_contain_text("blocked you")

    # Known to the server: a fresh page says so too.
    alice.reload()
    open_room(alice, "bob")
    alice.get_by_role("button", name="Unblock", exact=True).click()
    expect(alice.get_by_role("button", name="Block", exact=True)).to_be_visible()
    expect(other_tab.get_by_role("button", name="Block", exact=True)).to_be_visible()
    message(bobs, "Not sent").get_by_role("button", name="Retry").click()
    expect(message(alice, "Are you there?")).to_be_visible()
    page_problems.assert_none()


def test_a_list_of_blocks_read_before_an_unblock_does_not_undo_it(
    new_context, page_problems, user, bob, password
):
    """The page reads its blocks again whenever it (re)connects: a list the server wrote while
    bob was still blocked, reaching the page after alice unblocked him, leaves him unblocked."""
    alice, bobs = alice_and_bob(new_context, password)
    start_direct_conversation(alice, bobs, "alice", "bob")
    alice.get_by_role("button", name="Block", exact=True).click()
    expect(alice.get_by_text("Blocked: they cannot write to you")).to_be_visible()

    # From here the test holds the page's socket, to cut it, and once `held` is set, each list
    # of blocks is read from the server when asked for and handed to the page when it says so.
    sockets, lists, held = [], [], []

    def through(socket):
        socket.connect_to_server()
        sockets.append(socket)

    def hold_lists(route):
        if route.request.method == "GET" and held:
            lists.append((route, route.fetch()))
        else:
            route.continue_()

    alice.route_web_socket(re.compile(r"/ws/"), through)
    alice.route(lambda url: "/api/blocks/" in url, hold_lists)
    alice.reload()
    open_room(alice, "bob")
    expect(alice.get_by_role("button", name="Unblock", exact=True)).to_be_visible()
    # The socket drops: the page reconnects, and as it is ready reads its blocks again.
    held.append(True)
    sockets[-1].close(code=1011)
    for _ in range(500):
        if lists:
            break
        alice.wait_for_timeout(20)  # the route's handler runs while Playwright waits
    ((late, late_answer),) = lists
    alice.get_by_role("button", name="Unblock", exact=True).click()
    expect(alice.get_by_role("button", name="Block", exact=True)).to_be_visible()
    # The list, written while bob was blocked, arrives now; the page goes on to read the open
    # room's members after taking it.
    with alice.expect_request(lambda request: "/members/" in request.url):
        late.fulfill(response=late_answer)
    expect(alice.get_by_role("button", name="Block", exact=True)).to_be_visible()
    expect(alice.get_by_text("Blocked: they cannot write to you")).to_have_count(0)
    page_problems.assert_none()
