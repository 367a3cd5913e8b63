"""The admin changes rooms, memberships and messages through the service layer: the sockets
see an admin's change as they see a member's. And members report messages."""

import pytest
from asgiref.sync import sync_to_async

from chat.models import Message, Report

rest = pytest.mark.django_db
live = pytest.mark.django_db(transaction=True)


@live
async def test_an_admin_delete_is_the_soft_delete_that_every_tab_sees(
    open_socket, staff_client, room, user, bob
):
    message = await Message.objects.acreate(room=room, sender=bob, body="spam", client_id="1")
    alice = await open_socket(user)
    page = await sync_to_async(staff_client.get)(f"/admin/chat/message/{message.pk}/delete/")
    assert page.status_code == 200
    deleted = await sync_to_async(staff_client.post)(
        f"/admin/chat/message/{message.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302
    event = await alice.receive_json_from()
    assert (event["type"], event["message"]["id"], event["message"]["body"]) == (
        "message.deleted",
        message.pk,
        "",
    )
    await message.arefresh_from_db()  # still there: history keeps its place
    assert (message.body, message.deleted is not None) == ("", True)


@live
async def test_the_admins_bulk_delete_reaches_the_room_for_each_message(
    open_socket, staff_client, room, user, bob
):
    messages = [
        await Message.objects.acreate(room=room, sender=bob, body=f"m{n}", client_id=f"{n}")
        for n in range(3)
    ]
    alice = await open_socket(user)
    chosen = [messages[0].pk, messages[2].pk]
    changelist = "/admin/chat/message/"
    response = await sync_to_async(staff_client.post)(
        changelist, {"action": "delete_messages", "_selected_action": chosen}
    )
    assert response.status_code == 302
    seen = [(await alice.receive_json_from())["message"]["id"] for _ in chosen]
    assert sorted(seen) == chosen
    assert [m.deleted is not None async for m in Message.objects.order_by("id")] == [
        True,
        False,
        True,
    ]


@rest
def test_the_admin_cannot_hard_delete_or_write_messages(staff_client, room, bob):
    message = Message.objects.create(room=room, sender=bob, body="hi", client_id="1")
    changelist = staff_client.get("/admin/chat/message/")
    assert "delete_selected" not in changelist.content.decode()
    assert staff_client.get("/admin/chat/message/add/").status_code == 403
    staff_client.post(f"/admin/chat/message/{message.pk}/change/", {"body": "rewritten"})
    message.refresh_from_db()
    assert message.body == "hi"
    # Its filters and search answer.
    for query in ("?deleted__isempty=1", "?q=hi", "?room__kind__exact=group"):
        assert staff_client.get(f"/admin/chat/message/{query}").status_code == 200


@rest
def test_members_report_messages_once_and_staff_resolve_them(
    as_user, staff_client, room, user, bob, carol
):
    message = Message.objects.create(room=room, sender=bob, body="rude", client_id="1")
    url = f"/api/messages/{message.pk}/reports/"
    assert as_user(user).get(url).data == []
    report = as_user(user).post(url, {"reason": "insulting"}, format="json")
    assert (report.status_code, report.data["message"]["id"]) == (201, message.pk)
    assert as_user(user).post(url, {}, format="json").status_code == 200
    # Each member reads their own report only, as a page reloaded asks whether it reported.
    assert [mine["reason"] for mine in as_user(user).get(url).data] == ["insulting"]
    assert as_user(bob).get(url).data == []
    assert as_user(carol).get(url).status_code == 404  # not in the room
    assert as_user(bob).post(url, {}, format="json").status_code == 400  # one's own
    assert as_user(carol).post(url, {}, format="json").status_code == 404  # not in the room
    too_long = as_user(user).post(url, {"reason": "x" * 501}, format="json")
    assert (too_long.status_code, list(too_long.data)) == (400, ["reason"])
    assert Report.objects.count() == 1
    listed = staff_client.get("/admin/chat/report/?resolved__isempty=1")
    assert "insulting" in listed.content.decode()
    (only,) = Report.objects.all()
    staff_client.post("/admin/chat/report/", {"action": "resolve", "_selected_action": [only.pk]})
    only.refresh_from_db()
    assert only.resolved is not None


@rest
def test_a_deleted_message_cannot_be_reported(as_user, room, user, bob):
    """Its text is gone: the moderators would have nothing to judge."""
    message = Message.objects.create(room=room, sender=bob, body="rude", client_id="1")
    assert as_user(bob).delete(f"/api/messages/{message.pk}/").status_code in (200, 204)
    refused = as_user(user).post(f"/api/messages/{message.pk}/reports/", {}, format="json")
    assert (refused.status_code, refused.data) == (400, {"message": ["This message was deleted."]})
    assert not Report.objects.exists()
