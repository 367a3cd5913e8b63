"""Presence: online while any socket of the user is open, told on change only, to the people who
share a room with them, at one channel-layer message per change whatever the number of rooms."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from chat.models import Membership, Room
from chat.realtime import publish
from chat.realtime.hub import PRESENCE_GROUP
from chat.realtime.presence import get_presence, rooms_up_to_presence_size
from chat.tests.frames import send_frame

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def presence_on(settings):
    settings.CHAT_PRESENCE = True


def presence(user, status: str) -> dict:
    return {
        "type": "presence",
        "user": {"id": user.pk, "username": user.username},
        "status": status,
    }


async def next_of(socket) -> dict:
    return await socket.receive_json_from(timeout=5)


async def test_presence_changes_reach_the_people_who_share_a_room_once(
    open_socket, room, user, bob, carol
):
    alice, outsider = await open_socket(user), await open_socket(carol)
    first_tab = await open_socket(bob)
    assert await next_of(alice) == presence(bob, "online")
    second_tab = await open_socket(bob)  # already online: nobody is told
    await second_tab.disconnect()  # still online
    await first_tab.disconnect()
    assert await next_of(alice) == presence(bob, "offline")
    # The outsider shares no room with bob: the next frame it reads answers its own.
    await outsider.send_to(text_data="{}")
    assert (await next_of(outsider))["type"] == "error"


async def test_sockets_opened_again_before_the_delay_tell_nobody_anything(
    open_socket, room, user, bob, carol, settings
):
    """A reload, a reconnect, or sockets opened and closed in a loop: the user stays online, and
    nobody hears of it; once their last socket has been closed for the delay, they go offline."""
    settings.CHAT_PRESENCE_OFFLINE_AFTER_SECONDS = 60
    waits: list[asyncio.Event] = []  # each departure's delay, ended by hand

    async def held(seconds: float) -> None:
        waits.append(asyncio.Event())
        await waits[-1].wait()

    get_presence().wait = held
    await Membership.objects.acreate(room=room, user=carol)
    alice = await open_socket(user)
    tab = await open_socket(bob)
    assert await next_of(alice) == presence(bob, "online")
    for _ in range(5):
        await tab.disconnect()
        tab = await open_socket(bob)
    await tab.disconnect()
    # Carol's arrival is the next frame alice reads: none of bob's comings and goings came first.
    await open_socket(carol)
    assert await next_of(alice) == presence(carol, "online")
    waits[-1].set()
    assert await next_of(alice) == presence(bob, "offline")


async def test_a_room_list_member_read_says_who_is_online(as_user, open_socket, room, user, bob):
    await open_socket(bob)
    members = await sync_to_async(
        lambda: as_user(user).get(f"/api/rooms/{room.pk}/members/").json()["results"]
    )()
    assert {member["user"]["id"]: member["online"] for member in members} == {
        user.pk: False,
        bob.pk: True,
    }


async def test_a_change_costs_one_layer_message_and_one_frame_per_socket(
    open_socket, make_user, user, monkeypatch
):
    """A user in 100 rooms with the same friend: one message per change, one frame to the friend."""
    friend = await sync_to_async(make_user)("friend")

    @sync_to_async
    def rooms_with_the_friend():
        rooms = Room.objects.bulk_create(
            Room(kind=Room.Kind.GROUP, name=f"r{n}") for n in range(100)
        )
        Membership.objects.bulk_create(
            Membership(room=room, user=member) for room in rooms for member in (user, friend)
        )
        return rooms[-1]

    last_room = await rooms_with_the_friend()
    sent = []
    send_to_group = publish.send_to_group

    async def counting(group, message):
        sent.append(group)
        await send_to_group(group, message)

    monkeypatch.setattr(publish, "send_to_group", counting)
    friend_socket = await open_socket(friend)
    sent.clear()
    await open_socket(user)
    assert sent == [PRESENCE_GROUP]
    assert await next_of(friend_socket) == presence(user, "online")
    # Exactly one: the next frame the friend reads is a later message.
    await friend_socket.send_json_to(send_frame(last_room, "after", "c-1"))
    assert (await next_of(friend_socket))["type"] == "message.new"


def test_the_presence_size_counts_a_room_of_exactly_that_many_members_in(settings, make_user):
    settings.CHAT_PRESENCE_MAX_MEMBERS = 3
    people = [make_user(f"person{n}") for n in range(8)]
    rooms = {}
    for size in (2, 3, 4, 8):
        room = Room.objects.create(kind=Room.Kind.GROUP, name=f"{size} members")
        Membership.objects.bulk_create([Membership(room=room, user=one) for one in people[:size]])
        rooms[size] = room.pk
    assert sorted(rooms_up_to_presence_size(list(rooms.values()))) == [rooms[2], rooms[3]]
    assert rooms_up_to_presence_size([]) == []


async def test_rooms_above_the_presence_size_carry_no_presence(
    as_user, open_socket, settings, make_user, user, bob, carol
):
    """Shared only through a room above CHAT_PRESENCE_MAX_MEMBERS, an arrival is not pushed; the
    member list still says who is online."""
    settings.CHAT_PRESENCE_MAX_MEMBERS = 3

    @sync_to_async
    def rooms():
        big = Room.objects.create(kind=Room.Kind.GROUP, name="big")
        others = [make_user(f"member{n}") for n in range(2)]
        for member in (user, bob, *others):
            Membership.objects.create(room=big, user=member)
        small = Room.objects.create(kind=Room.Kind.GROUP, name="small")
        for member in (user, carol):
            Membership.objects.create(room=small, user=member)
        return big

    big = await rooms()
    alice = await open_socket(user)
    await open_socket(bob)
    await open_socket(carol)
    # Presence changes go out in the order they happen: bob's would have come first.
    assert await next_of(alice) == presence(carol, "online")
    members = await sync_to_async(
        lambda: as_user(user).get(f"/api/rooms/{big.pk}/members/").json()["results"]
    )()
    assert {member["user"]["id"]: member["online"] for member in members}[bob.pk] is True
