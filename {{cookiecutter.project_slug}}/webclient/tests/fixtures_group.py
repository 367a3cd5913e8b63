"""The conversation of the web client's tests in a project with group rooms: alice creates a
room and invites bob, who accepts. The root conftest.py loads this module or
fixtures_direct.py, whichever the project's rooms are."""

import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import open_room

ROOM = "Lunch plans"


def start_group_conversation(
    first, second, first_username: str, second_username: str
) -> tuple[str, str]:
    """`first` creates a room and invites `second`, who accepts; both have it open.
    Returns its name in each one's room list."""
    first.get_by_role("button", name="New room").click()
    dialog = first.get_by_role("dialog", name="New room")
    dialog.get_by_label("Room name").fill(ROOM)
    dialog.get_by_role("button", name="Create").click()
    expect(first.get_by_role("heading", name=ROOM, exact=True)).to_be_visible()

    first.get_by_role("button", name="Invite", exact=True).click()
    invite = first.get_by_role("region", name="Invite people")
    invite.get_by_label("Invite someone").fill(second_username)
    person = invite.get_by_role("listitem").filter(has_text=second_username)
    expect(person).to_be_visible()
    person.get_by_role("button", name="Invite").click()
    expect(person).to_contain_text("invited")
    # The header's Invite button (before the panel's own) closes the panel again.
    first.get_by_role("button", name="Invite", exact=True).first.click()
    expect(invite).to_be_hidden()

    invitations = second.get_by_role("region", name="Invitations")
    expect(invitations).to_contain_text(ROOM)
    invitations.get_by_role("button", name="Accept").click()
    expect(second.get_by_role("heading", name=ROOM, exact=True)).to_be_visible()
    open_room(second, ROOM)
    return ROOM, ROOM


def expect_peer_online(page, room: str, online: bool) -> None:
    """The open room's header counts its members online: both, or one."""
    expect(page.get_by_text(re.compile(rf"· {2 if online else 1} online$"))).to_be_visible()


@pytest.fixture
def start_conversation():
    return start_group_conversation


@pytest.fixture
def peer_online():
    return expect_peer_online
