"""Reporting a message in the web client: the reason goes to the server, and the message says
it was reported."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import alice_and_bob, message, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_reports_anothers_message_with_a_reason(
    new_context, page_problems, as_user, user, bob, room, password
):
    alice, bobs = alice_and_bob(new_context, password, room)
    if room.kind == "group":
        # The room's owner reads the open reports in the members panel: a report made while it
        # is open shows there at once.
        alice.get_by_role("button", name="Members").click()
        expect(alice.locator("#report-list")).to_contain_text("No open report.")
    send(alice, "Cheap pills, click here")
    spam = message(bobs, "Cheap pills, click here")
    # Nobody reports their own message.
    expect(
        message(alice, "Cheap pills, click here").get_by_role("button", name="Report")
    ).to_have_count(0)

    spam.get_by_role("button", name="Report").click()
    spam.get_by_label("Why report it?", exact=False).fill("Spam")
    spam.get_by_role("button", name="Send report").click()
    expect(spam.get_by_text("Reported", exact=True)).to_be_visible()
    expect(spam.get_by_role("button", name="Report")).to_have_count(0)

    # The server has it: reporting again answers 200 with the report the page sent.
    (stored,) = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"]
    again = as_user(bob).post(f"/api/messages/{stored['id']}/reports/", {}, format="json")
    assert (again.status_code, again.data["reason"]) == (200, "Spam")
    # And says so after a reload, as Report is pressed again.
    bobs.reload()
    spam = message(bobs, "Cheap pills, click here")
    spam.get_by_role("button", name="Report").click()
    expect(spam.get_by_text("Reported", exact=True)).to_be_visible()
    expect(spam.get_by_label("Why report it?", exact=False)).to_have_count(0)

    if room.kind == "group":
        report = alice.locator("#report-list").get_by_role("listitem")
        expect(report).to_contain_text("Cheap pills, click here")
        expect(report).to_contain_text("reported by bob: Spam")
        report.get_by_role("button", name="Show").click()
        expect(alice.locator(".message.found")).to_contain_text("Cheap pills, click here")
    page_problems.assert_none()
