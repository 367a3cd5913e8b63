"""Who gets into a group room: visibility, invitations, direct adds, roles, bans, history."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from chat.api import group_views
from chat.domain.errors import ChatError
from chat.domain.group_moderation import remove_member
from chat.domain.group_rooms import join_group
from chat.domain.invitations import accept_invitation, add_directly
from chat.domain.messages import edit_message
from chat.domain.reactions import add_reaction
from chat.domain.sending import send_message
from chat.domain.staff import resolve_reports
from chat.models import Ban, Block, Invitation, Membership, Message, Report
from chat.realtime import consumer
from chat.realtime.hub import get_hub
from chat.realtime.layer_watch import LayerWatch

rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


def post(client, url: str, data=None):
    return client.post(url, data, format="json")


@rest
def test_a_private_room_is_unknown_to_outsiders_until_they_are_invited(as_user, user, bob, carol):
    created = post(as_user(user), "/api/rooms/", {"name": "inner", "visibility": "private"})
    assert (created.status_code, created.data["visibility"]) == (201, "private")
    room_id = created.data["id"]
    outsider = as_user(carol)
    assert outsider.get("/api/rooms/discover/").data["results"] == []
    assert outsider.get(f"/api/rooms/{room_id}/").status_code == 404
    assert outsider.post(f"/api/rooms/{room_id}/join/").status_code == 404
    assert outsider.post(f"/api/rooms/{room_id}/leave/").status_code == 404
    assert post(outsider, f"/api/rooms/{room_id}/invitations/", {"user": bob.pk}).status_code == 404

    invited = post(as_user(user), f"/api/rooms/{room_id}/invitations/", {"user": carol.pk})
    assert (invited.status_code, invited.data["user"]["username"]) == (201, "carol")
    assert (
        post(as_user(user), f"/api/rooms/{room_id}/invitations/", {"user": carol.pk}).status_code
        == 200
    )
    # The invitee sees the room and their invitation, and joins by accepting it.
    assert as_user(carol).get(f"/api/rooms/{room_id}/").data["name"] == "inner"
    (mine,) = as_user(carol).get("/api/invitations/").data["results"]
    assert (mine["room"]["name"], mine["invited_by"]["username"]) == ("inner", "alice")
    accepted = as_user(carol).post(f"/api/invitations/{mine['id']}/accept/")
    assert (accepted.status_code, accepted.data["role"]) == (201, "member")
    assert as_user(carol).get("/api/invitations/").data["results"] == []
    assert as_user(carol).post(f"/api/invitations/{mine['id']}/accept/").status_code == 404


@rest
def test_only_the_owner_changes_visibility_and_history(as_user, room, user, bob):
    Membership.objects.filter(room=room, user=bob).update(role="admin")
    change = {"visibility": "private"}
    assert as_user(bob).patch(f"/api/rooms/{room.pk}/", change, format="json").status_code == 403
    assert (
        as_user(bob).patch(f"/api/rooms/{room.pk}/", {"name": "ok"}, format="json").status_code
        == 200
    )
    bad = as_user(user).patch(f"/api/rooms/{room.pk}/", {"visibility": "secret"}, format="json")
    assert (bad.status_code, list(bad.data)) == (400, ["visibility"])
    bad = as_user(user).patch(f"/api/rooms/{room.pk}/", {"history_visible": "no"}, format="json")
    assert (bad.status_code, list(bad.data)) == (400, ["history_visible"])
    changed = as_user(user).patch(
        f"/api/rooms/{room.pk}/", {"visibility": "private", "history_visible": False}, format="json"
    )
    assert (changed.data["visibility"], changed.data["history_visible"]) == ("private", False)


@rest
def test_invitations_are_for_moderators_to_give_and_the_invitee_to_answer(
    as_user, room, user, bob, carol, make_user
):
    url = f"/api/rooms/{room.pk}/invitations/"
    assert post(as_user(bob), url, {"user": carol.pk}).status_code == 403  # a plain member
    assert post(as_user(user), url, {"user": bob.pk}).status_code == 400  # already a member
    assert post(as_user(user), url, {"user": 99999}).status_code == 404
    assert post(as_user(user), url, {"user": "carol"}).status_code == 400
    dave = make_user("dave")
    for invitee in (carol, dave):
        assert post(as_user(user), url, {"user": invitee.pk}).status_code == 201
    assert {i["user"]["username"] for i in as_user(user).get(url).data["results"]} == {
        "carol",
        "dave",
    }
    assert as_user(bob).get(url).status_code == 403
    invitation = Invitation.objects.get(user=carol)
    assert as_user(dave).post(f"/api/invitations/{invitation.pk}/decline/").status_code == 404
    assert as_user(carol).post(f"/api/invitations/{invitation.pk}/decline/").status_code == 204
    assert as_user(user).delete(f"{url}{dave.pk}/").status_code == 204
    assert as_user(user).delete(f"{url}{dave.pk}/").status_code == 404
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(user__in=[carol, dave]).exists()


@pytest.fixture
def direct_adds(settings):
    """Moderators may add users without an invitation: off unless the project turns it on."""
    settings.CHAT_MODERATORS_ADD_MEMBERS = True


@rest
def test_moderators_add_members_directly_only_where_the_setting_allows_it(
    as_user, room, user, bob, carol, settings
):
    """Off by default: anyone can create a room, and added without consent, a user could be
    put in rooms until they may join no more of their own (CHAT_MAX_ROOMS_PER_USER)."""
    url = f"/api/rooms/{room.pk}/members/"
    refused = post(as_user(user), url, {"user": carol.pk})
    assert (refused.status_code, "invit" in refused.data["detail"]) == (403, True)
    settings.CHAT_MODERATORS_ADD_MEMBERS = True
    assert post(as_user(bob), url, {"user": carol.pk}).status_code == 403
    added = post(as_user(user), url, {"user": carol.pk})
    assert (added.status_code, added.data["user"]["username"]) == (201, "carol")
    assert post(as_user(user), url, {"user": carol.pk}).status_code == 400


@rest
def test_the_owner_appoints_and_demotes_admins(as_user, room, user, bob, carol):
    Membership.objects.create(room=room, user=carol)
    url = f"/api/rooms/{room.pk}/members/{bob.pk}/"
    assert as_user(carol).patch(url, {"role": "admin"}, format="json").status_code == 403
    promoted = as_user(user).patch(url, {"role": "admin"}, format="json")
    assert (promoted.status_code, promoted.data["role"]) == (200, "admin")
    # An admin moderates members, but not another admin, nor appoints.
    carol_url = f"/api/rooms/{room.pk}/members/{carol.pk}/"
    assert as_user(bob).patch(carol_url, {"role": "admin"}, format="json").status_code == 403
    assert as_user(user).patch(url, {"role": "owner"}, format="json").status_code == 400
    own = f"/api/rooms/{room.pk}/members/{user.pk}/"
    assert as_user(user).patch(own, {"role": "member"}, format="json").status_code == 403
    demoted = as_user(user).patch(url, {"role": "member"}, format="json")
    assert demoted.data["role"] == "member"
    assert (
        as_user(user)
        .patch(f"/api/rooms/{room.pk}/members/99999/", {"role": "admin"}, format="json")
        .status_code
        == 404
    )


@pytest.mark.usefixtures("direct_adds")
@rest
def test_a_banned_user_cannot_rejoin_be_invited_or_added_until_unbanned(
    as_user, room, user, bob, carol
):
    bans = f"/api/rooms/{room.pk}/bans/"
    assert post(as_user(bob), bans, {"user": carol.pk}).status_code == 403
    banned = post(as_user(user), bans, {"user": bob.pk})
    assert (banned.status_code, banned.data["user"]["username"]) == (201, "bob")
    assert post(as_user(user), bans, {"user": bob.pk}).status_code == 200
    assert not Membership.objects.filter(room=room, user=bob).exists()
    refused = as_user(bob).post(f"/api/rooms/{room.pk}/join/")
    assert (refused.status_code, "banned" in refused.data["detail"]) == (403, True)
    # Public, yet not offered to him: joining would only be refused. Nor does he read on.
    discovered = as_user(bob).get("/api/rooms/discover/").data["results"]
    assert room.pk not in [found["id"] for found in discovered]
    Message.objects.create(room=room, sender=user, body="after the ban", client_id="ban-1")
    assert as_user(bob).get(f"/api/rooms/{room.pk}/").data["last_message"] is None
    assert as_user(carol).get(f"/api/rooms/{room.pk}/").data["last_message"]["id"]
    invite = post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": bob.pk})
    assert invite.status_code == 403
    add = post(as_user(user), f"/api/rooms/{room.pk}/members/", {"user": bob.pk})
    assert add.status_code == 403
    assert [b["user"]["username"] for b in as_user(user).get(bans).data["results"]] == ["bob"]
    assert as_user(user).delete(f"{bans}{bob.pk}/").status_code == 204
    assert as_user(user).delete(f"{bans}{bob.pk}/").status_code == 404
    assert as_user(bob).post(f"/api/rooms/{room.pk}/join/").status_code == 201


@rest
def test_banning_withdraws_an_invitation_and_nobody_bans_the_owner(as_user, room, user, bob, carol):
    Membership.objects.filter(room=room, user=bob).update(role="admin")
    post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": carol.pk})
    assert post(as_user(bob), f"/api/rooms/{room.pk}/bans/", {"user": carol.pk}).status_code == 201
    assert not Invitation.objects.exists()
    assert post(as_user(bob), f"/api/rooms/{room.pk}/bans/", {"user": user.pk}).status_code == 403
    assert not Ban.objects.filter(user=user).exists()


@pytest.mark.usefixtures("direct_adds")
@rest
def test_a_user_who_blocked_a_moderator_is_neither_invited_nor_added_by_them(
    as_user, room, user, carol
):
    Block.objects.create(blocker=carol, blocked=user)
    for url in (f"/api/rooms/{room.pk}/invitations/", f"/api/rooms/{room.pk}/members/"):
        refused = post(as_user(user), url, {"user": carol.pk})
        assert (refused.status_code, "blocked" in refused.data["detail"]) == (403, True)


@pytest.mark.usefixtures("direct_adds")
@rest
def test_every_way_in_respects_the_size_limit(as_user, room, user, carol, make_user, settings):
    settings.CHAT_MAX_ROOM_MEMBERS = 2
    post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": carol.pk})
    (invitation,) = Invitation.objects.all()
    full = as_user(carol).post(f"/api/invitations/{invitation.pk}/accept/")
    assert (full.status_code, "full" in full.data["detail"]) == (403, True)
    assert Invitation.objects.exists()  # kept: it can be accepted once a seat frees
    dave = make_user("dave")
    assert (
        post(as_user(user), f"/api/rooms/{room.pk}/members/", {"user": dave.pk}).status_code == 403
    )
    assert room.memberships.count() == 2


@pytest.mark.usefixtures("direct_adds")
@live
async def test_joins_invitations_and_adds_at_once_cannot_exceed_the_limit(
    room, user, make_user, settings
):
    settings.CHAT_MAX_ROOM_MEMBERS = 4
    newcomers = [await sync_to_async(make_user)(f"n{n}") for n in range(6)]
    invited = newcomers[:2]
    for newcomer in invited:
        await Invitation.objects.acreate(room=room, user=newcomer, invited_by=user)
    invitation_ids = {i.user_id: i.pk async for i in Invitation.objects.filter(room=room)}

    def admit(newcomer):
        if newcomer in invited:
            return accept_invitation(newcomer, invitation_ids[newcomer.pk])
        if newcomer in newcomers[2:4]:
            return add_directly(user, room.pk, newcomer.pk)
        return join_group(newcomer, room.pk)

    # Each admission in its own thread, all at once, as six requests would be served.
    @sync_to_async(thread_sensitive=False)
    def attempt(newcomer):
        try:
            admit(newcomer)
            return "in"
        except ChatError:
            return "refused"
        finally:
            connection.close()

    outcomes = await asyncio.gather(*(attempt(newcomer) for newcomer in newcomers))
    assert outcomes.count("in") == 2
    assert await room.memberships.acount() == 4


@rest
def test_outsiders_see_the_last_message_only_of_rooms_that_show_newcomers_their_history(
    as_user, room, user, bob, carol
):
    Message.objects.create(room=room, sender=bob, body="said among members", client_id="1")

    def last_messages():
        """As discovery lists the room to carol, and as its own page shows it to her."""
        outsider = as_user(carol)
        (listed,) = outsider.get("/api/rooms/discover/").data["results"]
        return [listed["last_message"], outsider.get(f"/api/rooms/{room.pk}/").data["last_message"]]

    assert [seen["excerpt"] for seen in last_messages()] == ["said among members"] * 2
    room.history_visible = False
    room.save()
    assert last_messages() == [None, None]
    # An invitee to a private room that shows its history: still outside until they accept.
    room.visibility, room.history_visible = "private", True
    room.save()
    post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": carol.pk})
    assert as_user(carol).get(f"/api/rooms/{room.pk}/").data["last_message"] is None


@pytest.mark.usefixtures("direct_adds")
@rest
def test_newcomers_to_a_room_that_hides_its_history_download_only_what_follows(
    as_user, room, user, carol
):
    room.history_visible = False
    room.save()

    def sent_with_a_file(body: str) -> int:
        upload = {"file": SimpleUploadedFile(f"{body}.txt", body.encode(), "text/plain")}
        uploaded = as_user(user).post(f"/api/rooms/{room.pk}/attachments/", upload)
        send = {"body": body, "client_id": body, "attachments": [uploaded.data["id"]]}
        assert post(as_user(user), f"/api/rooms/{room.pk}/messages/", send).status_code == 201
        return uploaded.data["id"]

    before = sent_with_a_file("before carol")
    post(as_user(user), f"/api/rooms/{room.pk}/members/", {"user": carol.pk})
    after = sent_with_a_file("after carol")
    assert as_user(carol).get(f"/api/attachments/{before}/").status_code == 404
    assert b"".join(as_user(carol).get(f"/api/attachments/{after}/")) == b"after carol"


@rest
def test_what_was_said_before_a_newcomer_joined_is_history_to_them_not_unread(
    as_user, room, user, bob, carol
):
    for number in range(3):
        Message.objects.create(
            room=room, sender=bob, body=f"before {number}", client_id=f"b{number}"
        )
    invited = post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": carol.pk})
    client = as_user(carol)
    assert client.post(f"/api/invitations/{invited.data['id']}/accept/").status_code == 201
    assert len(client.get(f"/api/rooms/{room.pk}/messages/").data["results"]) == 3
    (listed,) = client.get("/api/rooms/").data["results"]
    assert (listed["unread"], client.get("/api/rooms/unread/").data["total"]) == (0, 0)
    # Nor has she read it, as the members list tells everyone: she is no reader of those.
    members = client.get(f"/api/rooms/{room.pk}/members/").data["results"]
    assert [m["last_read"] for m in members if m["user"]["id"] == carol.pk] == [None]
    Message.objects.create(room=room, sender=bob, body="after carol", client_id="a")
    (listed,) = client.get("/api/rooms/").data["results"]
    assert (listed["unread"], client.get("/api/rooms/unread/").data["total"]) == (1, 1)


@pytest.mark.usefixtures("direct_adds")
@rest
def test_newcomers_to_a_room_that_hides_its_history_read_only_what_follows(
    as_user, room, user, bob, carol
):
    before = hidden_history_before_carol(room, bob)
    post(as_user(user), f"/api/rooms/{room.pk}/members/", {"user": carol.pk})
    client = as_user(carol)
    assert client.get(f"/api/rooms/{room.pk}/messages/").data["results"] == []
    (listed,) = client.get("/api/rooms/").data["results"]
    assert (listed["last_message"], listed["unread"]) == (None, 0)
    after = Message.objects.create(room=room, sender=bob, body="after carol", client_id="2")
    history = client.get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert [m["body"] for m in history] == ["after carol"]
    (listed,) = client.get("/api/rooms/").data["results"]
    assert (listed["last_message"]["id"], listed["unread"]) == (after.pk, 1)
    # Nothing of the earlier message is reachable any other way.
    assert client.get("/api/messages/search/", {"q": "carol"}).data["results"][0]["id"] == after.pk
    assert len(client.get("/api/messages/search/", {"q": "carol"}).data["results"]) == 1
    assert post(client, f"/api/messages/{before.pk}/reactions/", {"emoji": "👍"}).status_code == 404
    reply = {"body": "what?", "client_id": "3", "reply_to": before.pk}
    assert post(client, f"/api/rooms/{room.pk}/messages/", reply).status_code == 400
    assert post(client, f"/api/rooms/{room.pk}/read/", {"message": before.pk}).status_code == 404
    # Members from before still read it all.
    assert len(as_user(bob).get(f"/api/rooms/{room.pk}/messages/").data["results"]) == 2


def hidden_history_before_carol(room, bob) -> Message:
    """The room hides its history from newcomers, and holds a message of bob's from before
    carol comes."""
    room.history_visible = False
    room.save()
    return Message.objects.create(room=room, sender=bob, body="before carol", client_id="1")


async def hidden_history_with_a_message(room, bob) -> Message:
    """The room hides its history from newcomers, and holds a message of bob's."""
    room.history_visible = False
    await room.asave()
    return await Message.objects.acreate(room=room, sender=bob, body="before", client_id="1")


@pytest.mark.usefixtures("direct_adds")
@live
async def test_a_newcomer_hears_nothing_of_the_messages_from_before_their_history(
    open_socket, as_user, room, user, bob, carol
):
    before = await hidden_history_with_a_message(room, bob)
    await sync_to_async(post)(as_user(user), f"/api/rooms/{room.pk}/members/", {"user": carol.pk})
    carols, bobs = await open_socket(carol), await open_socket(bob)

    await sync_to_async(edit_message)(bob, before.pk, "before, edited")
    await sync_to_async(add_reaction)(bob, before.pk, "👍")
    await sync_to_async(send_message)(bob, room.pk, "about that", "2", reply_to=before.pk)
    await sync_to_async(send_message)(bob, room.pk, "and now", "3")

    heard_by_bob = [await bobs.receive_json_from() for _ in range(4)]
    assert [event["type"] for event in heard_by_bob] == [
        "message.updated",
        "reaction.added",
        "message.new",
        "message.new",
    ]
    assert heard_by_bob[2]["message"]["reply_to"]["excerpt"] == "before, edited"
    # carol's first events are the reply, unquoted, and the message after it: nothing else.
    reply, after = await carols.receive_json_from(), await carols.receive_json_from()
    assert (reply["message"]["body"], reply["message"]["reply_to"]) == ("about that", None)
    assert after["message"]["body"] == "and now"
    # Her history and her search show the reply as her socket did.
    history = await sync_to_async(as_user(carol).get)(f"/api/rooms/{room.pk}/messages/")
    assert [(m["body"], m["reply_to"]) for m in history.data["results"]] == [
        ("and now", None),
        ("about that", None),
    ]
    found = await sync_to_async(as_user(carol).get)("/api/messages/search/", {"q": "about"})
    assert [(m["body"], m["reply_to"]) for m in found.data["results"]] == [("about that", None)]
    bobs_history = await sync_to_async(as_user(bob).get)(f"/api/rooms/{room.pk}/messages/")
    assert bobs_history.data["results"][1]["reply_to"]["id"] == before.pk


@live
async def test_a_newcomer_whose_join_was_not_heard_gets_their_cut_when_delivery_resumes(
    open_socket, room, user, bob, carol
):
    """carol joined a room hiding its history while the channel layer was down: her sockets
    never heard of it. Once delivery resumes, they follow the room from her cut, as a heard
    join would have them do."""
    before = await hidden_history_with_a_message(room, bob)
    carols = await open_socket(carol)
    # The membership as the join stores it, with no event to the hub (lost with the layer).
    await Membership.objects.acreate(room=room, user=carol, history_from=before.pk)

    await LayerWatch(get_hub(), marker=None).resume_delivery("back after a test's outage")
    assert await carols.receive_json_from() == {"type": "room.resync", "room": room.pk}
    await sync_to_async(edit_message)(bob, before.pk, "before, edited")
    await sync_to_async(send_message)(bob, room.pk, "after", "2")
    # Her next event is the message after her cut: nothing of the earlier one's edit.
    assert (await carols.receive_json_from())["message"]["body"] == "after"


@live
async def test_a_member_back_in_a_room_that_now_shows_its_history_hears_of_it_all(
    open_socket, as_user, room, user, bob, carol
):
    """Her socket held her first membership's cut: the second, which starts at 0, replaces it."""
    before = await hidden_history_with_a_message(room, bob)
    # bob's socket keeps the process in the room's group: member.joined reaches carol's at once.
    carols, _ = await open_socket(carol), await open_socket(bob)
    client = as_user(carol)
    for change in ("join", "leave"):
        await sync_to_async(client.post)(f"/api/rooms/{room.pk}/{change}/")
    room.history_visible = True
    await room.asave()
    await sync_to_async(client.post)(f"/api/rooms/{room.pk}/join/")
    heard = [(await carols.receive_json_from())["type"] for _ in range(5)]
    assert heard == ["room.joined", "member.joined", "room.left", "room.joined", "member.joined"]
    await sync_to_async(edit_message)(bob, before.pk, "before, edited")
    assert (await carols.receive_json_from())["message"]["body"] == "before, edited"


@live
async def test_the_invitee_hears_of_an_invitation_and_members_of_role_changes(
    open_socket, as_user, room, user, bob, carol
):
    carol_tabs = [await open_socket(carol), await open_socket(carol)]
    bob_socket = await open_socket(bob)
    invited = await sync_to_async(post)(
        as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": carol.pk}
    )
    for tab in carol_tabs:
        event = await tab.receive_json_from()
        assert event["type"] == "invitation.new"
        assert (event["invitation"]["id"], event["invitation"]["room"]["id"]) == (
            invited.data["id"],
            room.pk,
        )
    await sync_to_async(as_user(carol).post)(f"/api/invitations/{invited.data['id']}/accept/")
    for tab in carol_tabs:
        seen = [(await tab.receive_json_from())["type"] for _ in range(3)]
        assert sorted(seen) == ["invitation.removed", "member.joined", "room.joined"]
    await sync_to_async(as_user(user).patch)(
        f"/api/rooms/{room.pk}/members/{bob.pk}/", {"role": "admin"}, format="json"
    )
    assert (await bob_socket.receive_json_from())["type"] == "member.joined"
    changed = await bob_socket.receive_json_from()
    assert (changed["type"], changed["user"]["id"], changed["role"]) == (
        "member.updated",
        bob.pk,
        "admin",
    )


@live
async def test_a_member_changed_is_answered_as_the_members_list_shows_them(
    open_socket, as_user, room, user, bob, settings
):
    """With whether they are online, as GET .../members/ says: not null, as if the server
    kept no presence."""
    settings.CHAT_PRESENCE = True
    await open_socket(bob)
    client = as_user(user)
    appointed = await sync_to_async(client.patch)(
        f"/api/rooms/{room.pk}/members/{bob.pk}/", {"role": "admin"}, format="json"
    )
    assert (appointed.data["role"], appointed.data["online"]) == ("admin", True)
    transfer = {"user": bob.pk}
    handed = await sync_to_async(client.post)(
        f"/api/rooms/{room.pk}/transfer/", transfer, format="json"
    )
    assert (handed.data["role"], handed.data["online"]) == ("owner", True)


@rest
def test_a_role_changed_while_presence_cannot_be_read_is_answered_all_the_same(
    as_user, room, user, bob, monkeypatch
):
    """The change is committed before presence is asked: a 503 then would have the client try
    again a change already made."""

    def out_of_reach(user_ids):
        raise OperationalError("presence out of reach")

    monkeypatch.setattr(group_views, "online_among_sync", out_of_reach)
    appointed = as_user(user).patch(
        f"/api/rooms/{room.pk}/members/{bob.pk}/", {"role": "admin"}, format="json"
    )
    assert (appointed.status_code, appointed.data["online"]) == (200, None)
    assert Membership.objects.get(room=room, user=bob).role == "admin"


@rest
def test_owners_and_admins_read_their_rooms_reports(as_user, room, user, bob, carol):
    Membership.objects.create(room=room, user=carol)
    message = Message.objects.create(room=room, sender=bob, body="a threat", client_id="1")
    post(as_user(carol), f"/api/messages/{message.pk}/reports/", {"reason": "rude"})
    # The sender edits it afterwards: the moderators still judge what was reported.
    as_user(bob).patch(f"/api/messages/{message.pk}/", {"body": "hello friend"}, format="json")
    (report,) = as_user(user).get(f"/api/rooms/{room.pk}/reports/").data["results"]
    assert (report["reporter"]["username"], report["reason"]) == ("carol", "rude")
    assert (report["reported_body"], report["message"]["excerpt"]) == ("a threat", "hello friend")
    assert as_user(bob).get(f"/api/rooms/{room.pk}/reports/").status_code == 403


@rest
def test_an_admin_who_joined_after_a_message_does_not_read_its_report_where_history_is_hidden(
    as_user, room, user, bob, carol
):
    before = hidden_history_before_carol(room, bob)
    post(as_user(user), f"/api/messages/{before.pk}/reports/", {"reason": "rude"})
    Membership.objects.create(room=room, user=carol, role="admin", history_from=before.pk)
    after = Message.objects.create(room=room, sender=bob, body="after carol", client_id="2")
    post(as_user(user), f"/api/messages/{after.pk}/reports/", {"reason": "rude"})
    (seen,) = as_user(carol).get(f"/api/rooms/{room.pk}/reports/").data["results"]
    assert seen["message"]["id"] == after.pk
    assert len(as_user(user).get(f"/api/rooms/{room.pk}/reports/").data["results"]) == 2


@live
async def test_membership_changes_in_the_admin_move_the_members_sockets(
    open_socket, staff_client, room, user, bob, carol
):
    carol_socket, alice = await open_socket(carol), await open_socket(user)
    added = await sync_to_async(staff_client.post)(
        "/admin/chat/membership/add/", {"room": room.pk, "user": carol.pk, "role": "member"}
    )
    assert added.status_code == 302
    joined = await carol_socket.receive_json_from()
    assert (joined["type"], joined["room"]["id"]) == ("room.joined", room.pk)
    assert (await alice.receive_json_from())["type"] == "member.joined"

    membership = await Membership.objects.aget(room=room, user=carol)
    await sync_to_async(staff_client.post)(
        f"/admin/chat/membership/{membership.pk}/change/", {"role": "admin"}
    )
    changed = await alice.receive_json_from()
    assert (changed["type"], changed["role"]) == ("member.updated", "admin")

    await sync_to_async(staff_client.post)(
        f"/admin/chat/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    left = await carol_socket.receive_json_from()
    while left["type"] != "room.left":  # carol's own copies of the room's events come first
        left = await carol_socket.receive_json_from()
    assert (left["room"]["id"], left["reason"]) == (room.pk, "removed")
    await sync_to_async(staff_client.post)(
        f"/admin/chat/room/{room.pk}/change/",
        {"name": "renamed", "visibility": "private", **EMPTY_MEMBERSHIP_INLINE},
    )
    while (event := await alice.receive_json_from())["type"] != "room.updated":
        pass
    assert (event["room"]["name"], event["room"]["visibility"]) == ("renamed", "private")


@live
async def test_a_removal_that_reaches_the_hub_while_a_socket_opens_takes_that_socket_out_too(
    open_socket, make_room, room, user, bob, monkeypatch
):
    other = await sync_to_async(make_room)(user, bob, name="other")
    hub, applied = get_hub(), asyncio.Event()
    change_membership = hub.change_membership

    async def noting_it(event):
        await change_membership(event)
        applied.set()

    read_memberships = consumer.memberships_of

    async def read_before_the_removal(member):
        memberships = await read_memberships(member)  # with the room
        await sync_to_async(remove_member)(user, room.pk, bob.pk)
        await applied.wait()  # the hub has applied the removal to the sockets it holds
        return memberships

    monkeypatch.setattr(hub, "change_membership", noting_it)
    monkeypatch.setattr(consumer, "memberships_of", read_before_the_removal)
    bobs = await open_socket(bob)
    while (left := await bobs.receive_json_from())["type"] != "room.left":
        pass
    assert (left["room"]["id"], left["reason"]) == (room.pk, "removed")
    await sync_to_async(send_message)(user, room.pk, "not for bob any more", "c1")
    await sync_to_async(send_message)(user, other.pk, "still for bob", "c2")
    while (heard := await bobs.receive_json_from())["type"] != "message.new":
        pass
    assert heard["message"]["body"] == "still for bob"
    typing = {"type": "typing.start", "room": room.pk}
    await bobs.send_json_to(typing)
    assert (await bobs.receive_json_from())["code"] in ("forbidden", "not_found")


# The management form of the room page's (read-only) memberships inline.
EMPTY_MEMBERSHIP_INLINE = {
    "memberships-TOTAL_FORMS": "0",
    "memberships-INITIAL_FORMS": "0",
}


@rest
def test_the_admin_refuses_to_overfill_a_room(staff_client, room, carol, settings):
    settings.CHAT_MAX_ROOM_MEMBERS = 2
    page = staff_client.post(
        "/admin/chat/membership/add/", {"room": room.pk, "user": carol.pk, "role": "member"}
    )
    assert (page.status_code, "This room is full." in page.content.decode()) == (200, True)
    assert not Membership.objects.filter(user=carol).exists()


@pytest.mark.usefixtures("direct_adds")
@rest
def test_a_user_in_as_many_rooms_as_allowed_joins_no_more_by_any_way_in(
    as_user, user, bob, carol, settings
):
    rooms = [post(as_user(user), "/api/rooms/", {"name": f"room {n}"}).data["id"] for n in range(4)]
    settings.CHAT_MAX_ROOMS_PER_USER = 2
    for room_id in rooms[:2]:
        assert post(as_user(carol), f"/api/rooms/{room_id}/join/").status_code == 201
    refused = post(as_user(carol), f"/api/rooms/{rooms[2]}/join/")
    assert refused.status_code == 403
    assert "at most 2 rooms, and carol is in as many" in refused.data["detail"]
    # Nor by an invitation accepted, nor added by a moderator; nor can she create one.
    invited = post(as_user(user), f"/api/rooms/{rooms[2]}/invitations/", {"user": carol.pk})
    accepted = post(as_user(carol), f"/api/invitations/{invited.data['id']}/accept/")
    assert accepted.status_code == 403
    added = post(as_user(user), f"/api/rooms/{rooms[3]}/members/", {"user": carol.pk})
    assert added.status_code == 403
    assert post(as_user(carol), "/api/rooms/", {"name": "her own"}).status_code == 403
    assert Membership.objects.filter(user=carol).count() == 2
    # A room left makes room for another.
    assert post(as_user(carol), f"/api/rooms/{rooms[0]}/leave/").status_code in (200, 204)
    assert post(as_user(carol), f"/api/rooms/{rooms[2]}/join/").status_code == 201


@live
async def test_the_moderators_hear_whenever_the_lists_they_keep_change(
    open_socket, as_user, room, user, bob, carol, make_user
):
    """The owner's and admins' panel lists the room's pending invitations, bans and open
    reports: each change, whoever makes it, staff included, reaches every moderator's socket;
    a plain member hears none of it."""
    dave, eve, frank = [await sync_to_async(make_user)(name) for name in ("dave", "eve", "frank")]
    await Membership.objects.filter(room=room, user=bob).aupdate(role=Membership.Role.ADMIN)
    await Membership.objects.acreate(room=room, user=carol)
    reported = await sync_to_async(send_message)(user, room.pk, "Reported", str(uuid.uuid4()))
    owners, admins, members = [await open_socket(who) for who in (user, bob, carol)]

    def sweep():
        invited = post(as_user(bob), f"/api/rooms/{room.pk}/invitations/", {"user": dave.pk})
        assert invited.status_code == 201, invited.data
        declined = as_user(dave).post(f"/api/invitations/{invited.data['id']}/decline/")
        assert declined.status_code == 204, declined.data
        invited = post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": eve.pk})
        assert invited.status_code == 201, invited.data
        withdrawn = as_user(bob).delete(f"/api/rooms/{room.pk}/invitations/{eve.pk}/")
        assert withdrawn.status_code == 204, withdrawn.data
        invited = post(as_user(user), f"/api/rooms/{room.pk}/invitations/", {"user": frank.pk})
        accepted = as_user(frank).post(f"/api/invitations/{invited.data['id']}/accept/")
        assert accepted.status_code == 201, accepted.data
        report = post(as_user(carol), f"/api/messages/{reported[0].pk}/reports/", {"reason": "x"})
        assert report.status_code == 201, report.data
        assert resolve_reports(Report.objects.all()) == 1
        banned = post(as_user(user), f"/api/rooms/{room.pk}/bans/", {"user": eve.pk})
        assert banned.status_code == 201, banned.data
        unbanned = as_user(bob).delete(f"/api/rooms/{room.pk}/bans/{eve.pk}/")
        assert unbanned.status_code == 204, unbanned.data

    await sync_to_async(sweep)()
    changes = ["invited", "declined", "invited", "withdrawn", "invited", "accepted"]
    changes += ["reported", "resolved", "banned", "unbanned"]
    told = {"type": "room.moderation", "room": room.pk}
    for socket in (owners, admins):
        assert [await next_but_arrivals(socket) for _ in changes] == [told] * len(changes)
    # What carol hears next, frank's arrival aside, is the message sent after all of it.
    await sync_to_async(send_message)(user, room.pk, "After", str(uuid.uuid4()))
    assert (await next_but_arrivals(members))["type"] == "message.new"


async def next_but_arrivals(socket) -> dict:
    """The socket's next frame but those of a member's arrival, which the room hears."""
    while (frame := await socket.receive_json_from())["type"] == "member.joined":
        pass
    return frame
