"""Searching messages in the web client: a result opens its room at that message, however far
back in the history it is."""

import pytest
from playwright.sync_api import expect

from chat.models import Message
from webclient.tests.browsing import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_search_result_opens_its_room_at_the_message(
    new_context, page_problems, user, bob, room, password
):
    Message.objects.create(room=room, sender=bob, body="The needle is in the barn", client_id="n")
    # More than a page of history after it: the page must load older pages back to it.
    for n in range(70):
        Message.objects.create(room=room, sender=bob, body=f"hay {n}", client_id=f"h{n}")
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    alice.get_by_label("Search messages").fill("needle")
    found = alice.get_by_role("region", name="Messages").get_by_role("link")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("The needle is in the barn")
    found.click()
    needle = alice.locator(".message.found")
    expect(needle).to_contain_text("The needle is in the barn")
    expect(needle).to_be_in_viewport()
    alice.get_by_label("Search messages").fill("no such words anywhere")
    expect(alice.get_by_text("No message found.")).to_be_visible()
    page_problems.assert_none()
