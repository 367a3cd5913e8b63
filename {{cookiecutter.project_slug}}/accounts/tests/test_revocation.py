"""Logout closes the sockets of that login, and a password change, deactivation, deletion or
signing out everywhere every socket of the user, with 4401 (accounts/revocation.py)."""

import asyncio
import logging
from functools import partial

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from rest_framework.test import APIClient
from websockets.asyncio.client import connect

from accounts import revocation
from accounts.backends import CountingFailuresBackend
from accounts.tests.live_sockets import answers, close_code, open_real_socket
from accounts.tests.login import log_in
from chat.realtime import consumer
from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from chat.realtime.hub import get_hub
from core.testing import HttpClient
from users.credentials import LOGIN_OVERTAKEN, end_every_credential

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_4401 = {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def test_logout_closes_the_socket_of_that_login_4401(
    live_server_host, user, password, http_session
):
    host = live_server_host
    login = await asyncio.to_thread(http_session, host, user.username, password)
    socket = await open_real_socket(host, login.headers)
    assert await answers(socket)

    assert await asyncio.to_thread(login.logout, host) in (200, 204)
    assert await close_code(socket) == CLOSE_UNAUTHENTICATED


def me_status(host: str, headers: list[tuple[str, str]]) -> int:
    return HttpClient(f"http://{host}").request("GET", "/api/auth/me/", headers=dict(headers))[0]


async def test_signing_out_everywhere_ends_every_login_of_the_user_and_closes_their_sockets(
    live_server_host, user, bob, password, http_session
):
    """A phone lost: from the laptop, every login of the user ends, the laptop's own too, and
    every socket of theirs closes; a new login works, and another user is untouched."""
    host = live_server_host
    signed_in = partial(asyncio.to_thread, http_session, host)
    phone, laptop, bobs = [await signed_in(who.username, password) for who in (user, user, bob)]
    sockets = [await open_real_socket(host, login.headers) for login in (phone, laptop)]
    bobs_socket = await open_real_socket(host, bobs.headers)

    assert await asyncio.to_thread(laptop.logout_everywhere, host) == 204
    for socket in sockets:
        assert await close_code(socket) == CLOSE_UNAUTHENTICATED
    for login in (phone, laptop):
        assert await asyncio.to_thread(me_status, host, login.headers) == 401
        reopened = await connect(
            f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=login.headers
        )
        assert await close_code(reopened) == CLOSE_UNAUTHENTICATED
    # Answered after alice's sockets were closed: bob's socket is still read.
    assert await answers(bobs_socket)
    assert await asyncio.to_thread(me_status, host, bobs.headers) == 200
    again = await signed_in(user.username, password)
    assert await asyncio.to_thread(me_status, host, again.headers) == 200


def test_a_login_overtaken_by_the_end_of_every_credential_is_refused(
    api_client, user, password, monkeypatch
):
    """The password checked, a sign-out everywhere (or a new password) commits before the
    login issues its credential: that credential would be one the end missed. The login is
    refused, to be made again."""
    check = CountingFailuresBackend.authenticate

    def overtaken(self, request, **credentials):
        checked = check(self, request, **credentials)
        if checked is not None:
            end_every_credential(get_user_model().objects.get(pk=checked.pk))
        return checked

    with monkeypatch.context() as race:
        race.setattr(CountingFailuresBackend, "authenticate", overtaken)
        answer = log_in(api_client, user.username, password)
    assert (answer.status_code, answer.data["non_field_errors"]) == (400, [LOGIN_OVERTAKEN])
    assert log_in(api_client, user.username, password).status_code == 200


def change_password(user) -> None:
    user.set_password("another-horse-battery-staple")
    user.save()


def deactivate(user) -> None:
    user.is_active = False
    user.save()


def delete(user) -> None:
    user.delete()


@pytest.mark.parametrize("change", [change_password, deactivate, delete])
async def test_a_credential_change_closes_every_socket_of_the_user(
    open_socket, user, make_user, change
):
    phone, laptop = await open_socket(user), await open_socket(user)
    bob = await sync_to_async(make_user)("bob")
    bystander = await open_socket(bob)

    await sync_to_async(change)(user)

    for socket in (phone, laptop):
        assert await socket.receive_output(timeout=10) == CLOSED_4401
    # Answered after alice's sockets were closed: bob's socket is still read.
    await bystander.send_to(text_data="{}")
    assert (await bystander.receive_json_from())["type"] == "error"


@pytest.mark.parametrize(
    "change",
    [{"credentials_version": F("credentials_version") + 1}, {"is_active": False}],
    ids=["credentials ended", "deactivated"],
)
async def test_a_credential_ended_where_no_event_reaches_closes_its_sockets_at_the_next_look(
    open_socket, user, make_user, change
):
    """Another process on the in-memory layer (manage.py changepassword, a shell) tells this
    one nothing: the hub's look at the database, every CHAT_STORED_CHECK_SECONDS, closes the
    user's sockets, and no one else's."""
    socket = await open_socket(user)
    bob = await sync_to_async(make_user)("bob")
    bobs_socket = await open_socket(bob)
    # As the other process writes it, with no signal sent here.
    await get_user_model().objects.filter(pk=user.pk).aupdate(**change)
    await get_hub().close_the_sockets_of_ended_credentials()
    assert await socket.receive_output(timeout=10) == CLOSED_4401
    await bobs_socket.send_to(text_data="{}")
    assert (await bobs_socket.receive_json_from())["type"] == "error"


async def test_saves_that_change_no_credential_leave_the_sockets_open(open_socket, user, make_user):
    socket = await open_socket(user)
    bob = await sync_to_async(make_user)("bob")
    bobs_socket = await open_socket(bob)

    user.display_name = "Alice"
    await user.asave()  # a profile edit
    await sync_to_async(user.check_password)("correct-horse-battery-staple")  # a login
    await user.asave(update_fields=["last_login"])
    # bob's revocation travels behind any that alice's saves could have sent.
    await sync_to_async(deactivate)(bob)
    assert await bobs_socket.receive_output(timeout=10) == CLOSED_4401

    # The profile edit is told to her socket, which stays open.
    assert (await socket.receive_json_from())["type"] == "user.updated"
    await socket.send_to(text_data="{}")
    assert (await socket.receive_json_from())["type"] == "error"


def test_ending_a_credential_with_the_channel_layer_down_fails_nothing(monkeypatch, user, caplog):
    """The logout stands; the sockets it could not reach close when their credential expires."""

    def unreachable(*args):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(revocation, "publish_revocation_sync", unreachable)
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        revocation.close_sockets(user.pk)
    assert "announce_the_end in on_commit()" in caplog.text  # logged, not raised


async def test_a_socket_whose_credential_ends_during_its_handshake_is_closed(
    connect_socket, ws_credentials, user, monkeypatch
):
    """The end commits after the handshake checked the credential, and its revocation goes by
    before the hub knows the socket: the socket must not stay open for good."""
    read_memberships = consumer.memberships_of
    hub = get_hub()
    remember_end, heard = hub.remember_end, asyncio.Event()

    def remember_and_tell(*end) -> None:
        remember_end(*end)
        heard.set()

    monkeypatch.setattr(hub, "remember_end", remember_and_tell)

    async def memberships_after_the_end(of_user):
        await sync_to_async(revocation.close_sockets)(of_user.pk)  # a password change, say
        # ...whose revocation reaches the hub, the socket not yet in it.
        await asyncio.wait_for(heard.wait(), 10)  # an upper bound only
        return await read_memberships(of_user)

    monkeypatch.setattr(consumer, "memberships_of", memberships_after_the_end)
    communicator, _ = await connect_socket(await ws_credentials(user))
    assert await communicator.receive_output() == CLOSED_4401
    monkeypatch.setattr(consumer, "memberships_of", read_memberships)
    # A handshake that begins after the end (the new login's) opens.
    communicator, _ = await connect_socket(await ws_credentials(user))
    assert (await communicator.receive_json_from())["type"] == "session.ready"


async def test_a_password_change_ends_the_old_password_and_every_credential_of_it(
    user, password, ws_credentials, open_socket
):
    """POST /api/auth/password/ with the password in use: a wrong one, or a new one the
    validators refuse, changes nothing; a good change ends every other credential and closes
    every socket, and only the new password logs in."""
    new_password = "a-new-horse-battery-staple"
    changer, other_device = await ws_credentials(user), await ws_credentials(user)
    socket = await open_socket(user)

    def change(current: str, new: str):
        environ = {f"HTTP_{name.upper()}": value for name, value in changer}
        body = {"current_password": current, "new_password": new}
        return APIClient().post("/api/auth/password/", body, format="json", **environ)

    wrong = await sync_to_async(change)("not-my-password", new_password)
    assert (wrong.status_code, list(wrong.data)) == (400, ["current_password"])
    weak = await sync_to_async(change)(password, "123")
    assert (weak.status_code, list(weak.data)) == (400, ["new_password"])
    assert (await sync_to_async(change)(password, new_password)).status_code == 204

    assert await socket.receive_output(timeout=10) == CLOSED_4401
    environ = {f"HTTP_{name.upper()}": value for name, value in other_device}
    refused = await sync_to_async(APIClient().get)("/api/auth/me/", **environ)
    assert refused.status_code == 401
    old = await sync_to_async(log_in)(APIClient(), user.username, password)
    assert old.status_code in (400, 401)
    assert (
        await sync_to_async(log_in)(APIClient(), user.username, new_password)
    ).status_code == 200
