"""Live sockets under quick group membership changes: they follow the final membership."""

import pytest
from asgiref.sync import sync_to_async

from chat.realtime.hub import get_hub
from chat.tests.frames import assert_nothing_on_its_way, send_frame

pytestmark = pytest.mark.django_db(transaction=True)

# What each change sends the user's own sockets; a leaver is no longer there for member.left.
FRAMES_TO_THE_USER = {"join": ["room.joined", "member.joined"], "leave": ["room.left"]}


@pytest.mark.parametrize("changes", [["join", "leave"], ["join", "leave", "join"]])
async def test_tabs_follow_the_final_membership_after_quick_joins_and_leaves(
    open_socket, as_user, room, user, carol, changes
):
    tabs = [await open_socket(carol), await open_socket(carol)]
    alice = await open_socket(user)
    client = as_user(carol)

    @sync_to_async
    def change_membership():
        for change in changes:
            client.post(f"/api/rooms/{room.pk}/{change}/")

    await change_membership()
    expected = [frame for change in changes for frame in FRAMES_TO_THE_USER[change]]
    for tab in tabs:
        assert [(await tab.receive_json_from())["type"] for _ in expected] == expected
    for _ in changes:
        await alice.receive_json_from()  # member.joined or member.left
    await alice.send_json_to(send_frame(room, "after the changes", "1"))
    # alice has it back: the hub has pushed it to every socket it holds in the room.
    await alice.receive_json_from()
    for tab in tabs:
        if changes[-1] == "join":
            assert (await tab.receive_json_from())["message"]["body"] == "after the changes"
        await assert_nothing_on_its_way(tab)  # no second copy; nothing for a leaver
    for socket in (*tabs, alice):
        await socket.disconnect()
    hub = get_hub()
    assert (hub.rooms, hub.users, hub.socket_rooms) == ({}, {}, {})


async def test_a_removed_members_lagging_tab_gets_its_backlog_then_nothing_after_room_left(
    open_socket, server_socket, hold_writes, as_user, room, user, bob
):
    lagging_tab = await open_socket(bob)
    released = hold_writes(server_socket(bob))
    other_tab, alice = await open_socket(bob), await open_socket(user)
    await alice.send_json_to(send_frame(room, "before", "1"))
    await alice.receive_json_from()
    await sync_to_async(as_user(user).delete)(f"/api/rooms/{room.pk}/members/{bob.pk}/")
    assert (await alice.receive_json_from())["type"] == "member.left"
    await alice.send_json_to(send_frame(room, "after", "2"))
    assert (await alice.receive_json_from())["message"]["body"] == "after"
    released.set()
    for tab in (lagging_tab, other_tab):
        before, left = await tab.receive_json_from(), await tab.receive_json_from()
        assert (before["type"], before["message"]["body"]) == ("message.new", "before")
        assert (left["type"], left["room"]["id"]) == ("room.left", room.pk)
        # "after" was pushed to the room's sockets before alice had it back: not to these.
        await assert_nothing_on_its_way(tab)
