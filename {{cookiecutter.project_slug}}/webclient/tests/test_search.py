"""Searching messages in the web client: a result opens its room at that message, however far
back in the history it is."""

import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import another_room, open_room, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Results a page holds (REST_FRAMEWORK's PAGE_SIZE).
PAGE = 50


def test_a_search_result_opens_its_room_at_the_message(
    new_context, page_problems, as_user, user, bob, room, password
):
    # Written through the API, as a client does: the needle, then more than a page of history
    # after it, which the page must load back through.
    bobs = as_user(bob)
    bodies = ["The needle is in the barn", *(f"hay {number}" for number in range(70))]
    for number, body in enumerate(bodies):
        sent = {"body": body, "client_id": f"c{number}"}
        assert bobs.post(f"/api/rooms/{room.pk}/messages/", sent, format="json").status_code == 201
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    alice.get_by_label("Search messages").fill("needle")
    found = alice.get_by_role("region", name="Messages").get_by_role("link")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("The needle is in the barn")
    # Where and who, once each (a 1-to-1 is its other person), and when.
    where = f"{room.name} · bob · " if room.name else "bob · "
    expect(found.locator(".hint")).to_have_text(re.compile(rf"^{where}\d"))
    found.click()
    needle = alice.locator(".message.found")
    expect(needle).to_contain_text("The needle is in the barn")
    expect(needle).to_be_in_viewport()
    # Past a page of results, the next comes on asking; asking again when that failed.
    alice.get_by_label("Search messages").fill("hay")
    expect(found).to_have_count(PAGE)
    more = alice.get_by_role("region", name="Messages").get_by_role("button", name="More results")
    failing = {"pages": 1}

    def fail_once(route):
        if failing["pages"]:
            failing["pages"] -= 1
            route.fulfill(status=503, json={"detail": "Try again in a moment."})
        else:
            route.continue_()

    alice.route(lambda url: "/messages/search/" in url and "offset=" in url, fail_once)
    page_problems.allow(r"status of 503 \(Service Unavailable\)")
    more.click()
    expect(alice.get_by_role("alert")).to_contain_text("Try again in a moment.")
    expect(found).to_have_count(PAGE)
    more.click()
    expect(found).to_have_count(70)
    expect(found.last).to_contain_text("hay 0")  # newest first, to the oldest
    alice.get_by_label("Search messages").fill("no such words anywhere")
    expect(alice.get_by_text("No message found.")).to_be_visible()
    page_problems.assert_none()


def test_a_result_in_another_room_puts_that_room_in_the_address(
    new_context, as_user, make_room, user, carol, room, password
):
    """Then Back, a reload, or a click on the room open before, each finds its room."""
    elsewhere = another_room(make_room, user, carol, "plans")
    sent = {"body": "A needle elsewhere", "client_id": "c-elsewhere"}
    posted = as_user(carol).post(f"/api/rooms/{elsewhere.pk}/messages/", sent, format="json")
    assert posted.status_code == 201
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name or "bob")
    alice.get_by_label("Search messages").fill("elsewhere")
    alice.get_by_role("region", name="Messages").get_by_role("link").click()
    expect(alice.locator(".message.found")).to_contain_text("A needle elsewhere")
    expect(alice).to_have_url(re.compile(f"#room-{elsewhere.pk}$"))
    open_room(alice, room.name or "bob")
    expect(alice).to_have_url(re.compile(f"#room-{room.pk}$"))
    alice.go_back()
    heading = alice.get_by_role("heading", name=elsewhere.name or "carol", exact=True)
    expect(heading).to_be_visible()
