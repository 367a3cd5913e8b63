"""A group room's members in the web client: the owner appoints an admin and hands the room
over; the new owner bans the old one, who loses the room at once, is told why, and cannot come
back until the ban, listed under the members, is lifted."""

import re

import pytest
from playwright.sync_api import expect

from webclient.tests.browsing import (
    alice_and_bob,
    message,
    open_room,
    room_link,
    send,
    sign_in,
    submit_at_once,
)
from webclient.tests.conftest import WEB_SERVER_ENV
from webclient.tests.fixtures_group import start_group_conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def member_row(page, name: str):
    return page.get_by_role("region", name="Members").get_by_role("listitem").filter(has_text=name)


def test_roles_a_handover_and_a_ban_from_the_members_list(
    new_context, page_problems, as_user, user, bob, password
):
    alice, bobs = alice_and_bob(new_context, password)
    room_name, _ = start_group_conversation(alice, bobs, "alice", "bob")

    alice.get_by_role("button", name="Members").click()
    expect(member_row(alice, "alice")).to_contain_text("(owner)")
    # Who is here now, person by person, and bob's leaving shows at once.
    expect(member_row(alice, "bob")).to_contain_text("online")
    bobs.close()
    expect(member_row(alice, "bob")).to_contain_text("offline")
    bobs = new_context().new_page()
    sign_in(bobs, "bob", password)
    open_room(bobs, room_name)
    expect(member_row(alice, "bob")).to_contain_text("online")
    member_row(alice, "bob").get_by_role("button", name="Make admin").click()
    expect(member_row(alice, "bob")).to_contain_text("(admin)")
    # bob's own screen gives him an admin's controls at once.
    expect(bobs.get_by_role("button", name="Room settings")).to_be_visible()
    # ...but deleting the room stays the owner's.
    bobs.get_by_role("button", name="Room settings").click()
    admin_settings = bobs.get_by_role("dialog", name="Room settings")
    expect(admin_settings.get_by_label("Room name")).to_be_visible()
    expect(admin_settings.get_by_role("button", name="Delete room")).to_be_hidden()
    admin_settings.get_by_role("button", name="Cancel").click()

    member_row(alice, "bob").get_by_role("button", name="Hand over the room").click()
    member_row(alice, "bob").get_by_role("button", name="Make bob the owner").click()
    expect(member_row(alice, "bob")).to_contain_text("(owner)")
    expect(member_row(alice, "alice")).to_contain_text("(admin)")
    expect(member_row(alice, "bob").get_by_role("button")).to_have_count(
        0
    )  # nobody acts on the owner

    bobs.get_by_role("button", name="Members").click()
    # What cannot be taken back takes a second click; clicking away takes the first back.
    member_row(bobs, "alice").get_by_role("button", name="Ban").click()
    bobs.get_by_role("button", name="Members").focus()
    expect(member_row(bobs, "alice").get_by_role("button", name="Ban")).to_be_visible()
    member_row(bobs, "alice").get_by_role("button", name="Ban").click()
    member_row(bobs, "alice").get_by_role("button", name="Ban alice").click()
    expect(member_row(bobs, "alice")).to_have_count(0)
    expect(room_link(alice, room_name)).to_have_count(0)
    # alice had the room open: her page says why it closed.
    expect(alice.get_by_text(f"You were banned from {room_name}.")).to_be_visible()
    (room,) = as_user(bob).get("/api/rooms/").data["results"]
    assert as_user(user).post(f"/api/rooms/{room['id']}/join/").status_code == 403

    # The ban is listed below the members, where it is lifted: alice may come back.
    banned = bobs.locator("#banned-list").get_by_role("listitem")
    expect(banned).to_contain_text("alice")
    banned.get_by_role("button", name="Unban").click()
    banned.get_by_role("button", name="Unban alice").click()
    expect(banned).to_have_text("Nobody is banned.")
    assert as_user(bob).get(f"/api/rooms/{room['id']}/bans/").data["results"] == []
    page_problems.assert_none()


def test_sends_queued_for_a_room_one_is_removed_from_are_not_sent_and_hold_up_nothing(
    start_server, new_context, make_room, as_user, user, bob, room, password
):
    """Each would be refused, and spend the rate limit that the other rooms' messages wait for."""
    server = start_server({**WEB_SERVER_ENV, "CHAT_RATE_LIMIT_MESSAGES": "1/2"})
    make_room(bob, user, name="Elsewhere")
    alice, bobs = new_context(server).new_page(), new_context(server).new_page()
    sent = []
    bobs.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    sign_in(alice, "alice", password)
    sign_in(bobs, "bob", password)
    open_room(alice, room.name)
    alice.get_by_role("button", name="Members").click()
    open_room(bobs, room.name)
    # One message a 2-second window: the last of these would wait 14 s for their turn.
    queued = [f"Queued {number}" for number in range(8)]
    submit_at_once(bobs, queued)
    expect(bobs.get_by_text("Sent too fast: it goes in a moment…").first).to_be_visible()

    member_row(alice, "bob").get_by_role("button", name="Remove").click()
    member_row(alice, "bob").get_by_role("button", name="Remove bob").click()
    expect(room_link(bobs, room.name)).to_have_count(0)
    frames_before_the_removal = len(sent)
    open_room(bobs, "Elsewhere")
    send(bobs, "In the other room")
    expect(message(bobs, "In the other room")).to_have_count(1)
    waiting = re.compile("Sending…|Sent too fast")
    expect(message(bobs, "In the other room").filter(has_text=waiting)).to_have_count(0)
    # Sends go in the order made: had the queued ones gone after the removal, they would have
    # gone before this one.
    assert not [frame for frame in sent[frames_before_the_removal:] if "Queued" in frame]
    # Those whose turn came before the removal were stored, in order; the rest never went.
    # (Newest first: turned to the order stored.)
    history = as_user(user).get(f"/api/rooms/{room.pk}/messages/").data["results"][::-1]
    stored = [entry["body"] for entry in history]
    assert stored == queued[: len(stored)]
    assert len(stored) < len(queued)


def test_the_invite_search_offers_to_invite_only_those_not_in_the_room_yet(
    new_context, user, bob, carol, room, password
):
    """And the invitation is listed under the members until carol, elsewhere, declines it; on
    her phone, the button to her room list says it waits there."""
    alice, carols = new_context().new_page(), new_context().new_page()
    sign_in(carols, "carol", password)
    carols.set_viewport_size({"width": 390, "height": 800})
    sign_in(alice, "alice", password)
    open_room(alice, room.name)
    alice.get_by_role("button", name="Invite", exact=True).click()
    invite = alice.get_by_role("region", name="Invite people")
    invite.get_by_label("Invite someone").fill("bob")
    bobs_row = invite.get_by_role("listitem").filter(has_text="bob")
    expect(bobs_row).to_contain_text("member")
    expect(bobs_row.get_by_role("button", name="Invite")).to_have_count(0)
    invite.get_by_label("Invite someone").fill("carol")
    carols_row = invite.get_by_role("listitem").filter(has_text="carol")
    carols_row.get_by_role("button", name="Invite").click()
    expect(carols_row).to_contain_text("invited")
    expect(carols_row.get_by_role("button", name="Invite")).to_have_count(0)
    alice.get_by_role("button", name="Members").click()
    invited = alice.locator("#invited-list")
    expect(invited).to_contain_text("carol")
    waiting = carols.get_by_role("button", name="Rooms, 1 invitation", exact=True)
    expect(waiting).to_have_text("Rooms (1)")
    carols.get_by_role("region", name="Invitations").get_by_role("button", name="Decline").click()
    expect(invited).to_contain_text("Nobody is invited.")


def test_the_owner_is_shown_how_to_leave_a_room_others_stay_in(
    new_context, user, bob, room, password
):
    alice = new_context().new_page()
    sign_in(alice, "alice", password)
    open_room(alice, room.name)
    alice.get_by_role("button", name="Leave room").click()
    members = alice.get_by_role("region", name="Members")
    expect(members.get_by_role("alert")).to_contain_text("first hand the room to another member")
    hand_over = member_row(alice, "bob").get_by_role("button", name="Hand over the room")
    expect(hand_over).to_be_visible()
    # Nothing was asked of the server: the room is still hers, and still listed.
    expect(room_link(alice, room.name)).to_be_visible()
