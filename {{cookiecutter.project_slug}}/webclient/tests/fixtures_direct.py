"""The conversation of the web client's tests in a project with 1-to-1 conversations only:
alice finds bob in the directory and writes to him. The root conftest.py loads this module or
fixtures_group.py, whichever the project's rooms are."""

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import message, open_room, room_link

FIRST_MESSAGE = "Hi bob, got a minute?"


def start_direct_conversation(
    first, second, first_username: str, second_username: str
) -> tuple[str, str]:
    """`first` finds `second` in the directory and writes the first message, which starts the
    conversation; both have it open. Returns its name in each one's room list: the other's."""
    first.get_by_label("Search people").fill(second_username)
    person = (
        first.get_by_role("navigation", name="Conversations")
        .get_by_role("listitem")
        .filter(has_text=second_username)
    )
    person.get_by_role("button", name="Start conversation").click()
    expect(
        first.get_by_role("heading", name=f"New conversation with {second_username}")
    ).to_be_visible()
    # Enter, pressed again while the first message starts the conversation: sent once.
    composer = first.get_by_label("Message", exact=True)
    composer.fill(FIRST_MESSAGE)
    for _ in range(3):
        composer.press("Enter")
    expect(first.get_by_role("heading", name=second_username, exact=True)).to_be_visible()
    expect(room_link(second, first_username)).to_be_visible()
    open_room(second, first_username)
    expect(message(second, FIRST_MESSAGE)).to_have_count(1)
    return second_username, first_username


def expect_peer_online(page, room: str, online: bool) -> None:
    """The open conversation's header says whether the other person is online."""
    expect(page.get_by_text("Online" if online else "Offline", exact=True)).to_be_visible()


@pytest.fixture
def start_conversation():
    return start_direct_conversation


@pytest.fixture
def peer_online():
    return expect_peer_online
