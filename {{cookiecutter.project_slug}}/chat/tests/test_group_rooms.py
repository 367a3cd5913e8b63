"""Group rooms over REST, and how membership changes move live sockets (all tabs)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from chat.domain.errors import Forbidden
from chat.domain.group_rooms import join_group, leave_group
from chat.models import Membership, Message, Room
from chat.tests.frames import assert_nothing_on_its_way

# REST-only tests need no committed data: publishing (on commit) is the socket tests' job.
rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


@rest
def test_create_rename_and_delete(as_user, user, bob):
    client = as_user(user)
    created = client.post("/api/rooms/", {"name": " lounge "}, format="json")
    assert created.status_code == 201
    assert (created.data["name"], created.data["role"], created.data["kind"]) == (
        "lounge",
        "owner",
        "group",
    )
    room_id = created.data["id"]
    assert client.post("/api/rooms/", {"name": ""}, format="json").data["name"]
    as_user(bob).post(f"/api/rooms/{room_id}/join/")
    assert (
        as_user(bob).patch(f"/api/rooms/{room_id}/", {"name": "x"}, format="json").status_code
        == 403
    )
    renamed = as_user(user).patch(f"/api/rooms/{room_id}/", {"name": "salon"}, format="json")
    assert renamed.data["name"] == "salon"
    assert as_user(bob).delete(f"/api/rooms/{room_id}/").status_code == 403
    Membership.objects.filter(room_id=room_id, user=bob).update(role=Membership.Role.ADMIN)
    assert as_user(bob).delete(f"/api/rooms/{room_id}/").status_code == 403  # the owner's call
    assert as_user(user).delete(f"/api/rooms/{room_id}/").status_code == 204
    assert not Room.objects.filter(pk=room_id).exists()


@rest
@pytest.mark.parametrize(
    "name",
    [
        "evil\u202etxt.exe",  # a right-to-left override: reads as "evilexe.txt"
        "\u200b",  # a zero-width space: shows as nothing
        "a\u2028b",  # a line separator
        "\u3164\u3164",  # Hangul fillers, letters drawn blank
    ],
)
def test_room_names_that_do_not_read_as_written_are_refused(as_user, user, name):
    refused = as_user(user).post("/api/rooms/", {"name": name}, format="json")
    assert (refused.status_code, list(refused.data)) == (400, ["name"])
    assert not Room.objects.exists()


@rest
def test_a_room_name_may_hold_emoji_joined_into_one(as_user, user):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    created = as_user(user).post("/api/rooms/", {"name": f"{family} home"}, format="json")
    assert (created.status_code, created.data["name"]) == (201, f"{family} home")


@rest
def test_discover_join_leave(as_user, room, carol):
    client = as_user(carol)
    assert [r["id"] for r in client.get("/api/rooms/discover/").data["results"]] == [room.pk]
    assert client.post(f"/api/rooms/{room.pk}/join/").status_code == 201
    assert client.post(f"/api/rooms/{room.pk}/join/").status_code == 200  # already in
    assert client.get("/api/rooms/discover/").data["results"] == []
    assert client.post(f"/api/rooms/{room.pk}/leave/").status_code == 204
    assert client.post(f"/api/rooms/{room.pk}/leave/").status_code == 403
    assert client.post("/api/rooms/999999/join/").status_code == 404


@rest
def test_the_owner_hands_the_room_over_before_leaving(as_user, room, user, bob):
    refused = as_user(user).post(f"/api/rooms/{room.pk}/leave/")
    assert refused.status_code == 403
    assert "transfer" in refused.data["detail"]
    transfer = {"user": bob.pk}
    assert (
        as_user(bob).post(f"/api/rooms/{room.pk}/transfer/", transfer, format="json").status_code
        == 403
    )
    handed = as_user(user).post(f"/api/rooms/{room.pk}/transfer/", transfer, format="json")
    assert (handed.status_code, handed.data["role"]) == (200, "owner")
    assert Membership.objects.get(room=room, user=user).role == "admin"
    assert as_user(user).post(f"/api/rooms/{room.pk}/leave/").status_code == 204
    # The last member leaving deletes the room, owner or not.
    assert as_user(bob).post(f"/api/rooms/{room.pk}/leave/").status_code == 204
    assert not Room.objects.filter(pk=room.pk).exists()


@rest
def test_an_owner_whose_account_goes_hands_the_room_to_an_admin_first(room, user, bob, carol):
    Membership.objects.create(room=room, user=carol, role="admin")
    leave_group(user, room.pk, hand_over=True)
    assert dict(room.memberships.values_list("user__username", "role")) == {
        "bob": "member",
        "carol": "owner",
    }


@rest
def test_removing_members(as_user, room, user, bob, carol):
    Membership.objects.create(room=room, user=carol, role="admin")
    assert as_user(bob).delete(f"/api/rooms/{room.pk}/members/{carol.pk}/").status_code == 403
    assert as_user(carol).delete(f"/api/rooms/{room.pk}/members/{user.pk}/").status_code == 403
    assert as_user(carol).delete(f"/api/rooms/{room.pk}/members/{bob.pk}/").status_code == 204
    assert as_user(user).delete(f"/api/rooms/{room.pk}/members/{carol.pk}/").status_code == 204
    assert list(room.memberships.values_list("user__username", flat=True)) == ["alice"]


@rest
def test_outsiders_see_a_group_but_cannot_act(as_user, room, carol):
    client = as_user(carol)
    assert client.get(f"/api/rooms/{room.pk}/").data["role"] is None
    message = {"body": "hello", "client_id": "c-1"}
    assert client.post(f"/api/rooms/{room.pk}/messages/", message, format="json").status_code == 403
    assert client.get(f"/api/rooms/{room.pk}/messages/").status_code == 403
    assert client.get(f"/api/rooms/{room.pk}/members/").status_code == 403


@rest
def test_owners_and_admins_delete_others_messages_members_do_not(
    as_user, room, user, bob, carol, make_user
):
    Membership.objects.create(room=room, user=carol, role="admin")
    dave = make_user("dave")
    Membership.objects.create(room=room, user=dave)
    messages = [
        Message.objects.create(room=room, sender=bob, body=f"m{n}", client_id=f"{n}")
        for n in range(3)
    ]
    assert as_user(dave).delete(f"/api/messages/{messages[0].pk}/").status_code == 403
    assert as_user(user).delete(f"/api/messages/{messages[1].pk}/").status_code == 204  # owner
    assert as_user(carol).delete(f"/api/messages/{messages[2].pk}/").status_code == 204  # admin
    assert [m.deleted is not None for m in Message.objects.order_by("id")] == [False, True, True]


@rest
def test_room_list_is_mine_only_with_names_counts_and_roles(as_user, make_room, user, bob, carol):
    make_room(user, bob, name="one")
    make_room(bob, user, name="two")
    make_room(carol, name="not mine")
    rooms = as_user(user).get("/api/rooms/").data["results"]
    assert {(r["name"], r["member_count"], r["role"]) for r in rooms} == {
        ("one", 2, "owner"),
        ("two", 2, "member"),
    }


@rest
def test_a_full_room_refuses_joins(as_user, room, carol, make_user, settings):
    settings.CHAT_MAX_ROOM_MEMBERS = 2
    response = as_user(carol).post(f"/api/rooms/{room.pk}/join/")
    assert response.status_code == 403
    assert "full" in response.data["detail"]


@live
async def test_concurrent_joins_cannot_exceed_the_limit(room, make_user, settings):
    settings.CHAT_MAX_ROOM_MEMBERS = 3
    joiners = [await sync_to_async(make_user)(f"j{n}") for n in range(6)]

    # Each join in its own thread, all at once, as six requests would be served.
    @sync_to_async(thread_sensitive=False)
    def join(joiner):
        try:
            join_group(joiner, room.pk)
            return "joined"
        except Forbidden:
            return "full"
        finally:
            connection.close()

    outcomes = await asyncio.gather(*(join(joiner) for joiner in joiners))
    assert outcomes.count("joined") == 1
    assert await room.memberships.acount() == 3


@live
async def test_join_over_rest_subscribes_every_tab_at_once(open_socket, as_user, room, user, carol):
    first_tab, second_tab = await open_socket(carol), await open_socket(carol)
    alice = await open_socket(user)
    await sync_to_async(as_user(carol).post)(f"/api/rooms/{room.pk}/join/")
    for tab in (first_tab, second_tab):
        joined = await tab.receive_json_from()
        assert (joined["type"], joined["room"]["id"]) == ("room.joined", room.pk)
    # Everyone in the room hears of it, the new member's own tabs included.
    for socket in (alice, first_tab, second_tab):
        member = await socket.receive_json_from()
        assert (member["type"], member["user"]["username"]) == ("member.joined", "carol")

    await alice.send_json_to(
        {"type": "message.send", "room": room.pk, "body": "welcome", "client_id": "w"}
    )
    for tab in (first_tab, second_tab):
        assert (await tab.receive_json_from())["message"]["body"] == "welcome"


@live
async def test_room_left_tells_the_user_why(open_socket, as_user, make_room, user, bob, carol):
    rooms = await sync_to_async(lambda: [make_room(user, bob, carol, name=n) for n in "abc"])()
    bob_tab, carol_tab = await open_socket(bob), await open_socket(carol)
    await sync_to_async(as_user(bob).post)(f"/api/rooms/{rooms[0].pk}/leave/")
    ban = {"user": bob.pk}
    await sync_to_async(as_user(user).post)(f"/api/rooms/{rooms[1].pk}/bans/", ban, format="json")
    await sync_to_async(as_user(user).delete)(f"/api/rooms/{rooms[2].pk}/")

    async def reasons(tab, count: int) -> list:
        """The room and reason of the tab's next `count` room.left, past other frames."""
        left = []
        while len(left) < count:
            frame = await tab.receive_json_from()
            if frame["type"] == "room.left":
                left.append((frame["room"]["id"], frame["reason"]))
        return left

    assert await reasons(bob_tab, 3) == [
        (rooms[0].pk, "left"),
        (rooms[1].pk, "banned"),
        (rooms[2].pk, "deleted"),
    ]
    assert await reasons(carol_tab, 1) == [(rooms[2].pk, "deleted")]


@live
async def test_leaving_or_removal_stops_delivery_at_once(open_socket, as_user, room, user, bob):
    bob_tabs = [await open_socket(bob), await open_socket(bob)]
    alice = await open_socket(user)
    await sync_to_async(as_user(user).delete)(f"/api/rooms/{room.pk}/members/{bob.pk}/")
    for tab in bob_tabs:
        left = await tab.receive_json_from()
        assert (left["type"], left["room"]["id"], left["reason"]) == (
            "room.left",
            room.pk,
            "removed",
        )
    assert (await alice.receive_json_from())["type"] == "member.left"
    await alice.send_json_to(
        {"type": "message.send", "room": room.pk, "body": "x", "client_id": "1"}
    )
    # alice has it back: the hub has pushed it to every socket it holds in the room.
    assert (await alice.receive_json_from())["type"] == "message.new"
    for tab in bob_tabs:
        await assert_nothing_on_its_way(tab)


@live
async def test_creating_a_room_reaches_the_creators_tabs(open_socket, as_user, user):
    tabs = [await open_socket(user), await open_socket(user)]
    created = await sync_to_async(as_user(user).post)("/api/rooms/", {"name": "new"}, format="json")
    for tab in tabs:
        joined = await tab.receive_json_from()
        assert (joined["type"], joined["room"]["id"]) == ("room.joined", created.data["id"])
