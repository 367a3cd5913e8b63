"""Sockets in the token modes (DRF token, knox, JWT): header, ticket, opt-in query token."""

import asyncio

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from accounts.identity import SocketIdentity
from accounts.revocation import close_sockets
from accounts.tests.clock import ManualClock
from accounts.tickets import issue_ticket
from chat.realtime.frames import CLOSE_TRY_AGAIN_LATER, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_4401 = {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


async def authorization(ws_credentials, user) -> tuple[str, str]:
    """The mode's header keyword and a valid credential for `user`."""
    [(_, value)] = await ws_credentials(user)
    keyword, _, credential = value.partition(" ")
    return keyword, credential


async def ticket_for(header_value: str) -> str:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header_value)
    response = await asyncio.to_thread(client.post, "/api/auth/ws-ticket/")
    assert response.status_code == 201, response.data
    assert response.data["expires_in"] == 30
    return response.data["ticket"]


async def test_header_credential_opens_the_socket(connect_socket, user, ws_credentials):
    keyword, credential = await authorization(ws_credentials, user)
    communicator, _ = await connect_socket([("authorization", f"{keyword} {credential}")])
    assert (await communicator.receive_json_from())["type"] == "session.ready"


@pytest.mark.parametrize(
    "header", ["{keyword} not-a-real-credential", "Other {credential}", "{keyword}"]
)
async def test_bad_header_credential_is_closed_4401(connect_socket, user, ws_credentials, header):
    keyword, credential = await authorization(ws_credentials, user)
    value = header.format(keyword=keyword, credential=credential)
    communicator, _ = await connect_socket([("authorization", value)])
    assert await communicator.receive_output() == CLOSED_4401


async def test_ticket_opens_one_socket_once(connect_socket, user, ws_credentials):
    keyword, credential = await authorization(ws_credentials, user)
    ticket = await ticket_for(f"{keyword} {credential}")
    communicator, _ = await connect_socket(query=f"ticket={ticket}")
    ready = await communicator.receive_json_from()
    assert (ready["type"], ready["user"]["id"]) == ("session.ready", user.pk)

    reused, _ = await connect_socket(query=f"ticket={ticket}")
    assert await reused.receive_output() == CLOSED_4401


def database_down(connection):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


async def test_a_ticket_whose_user_could_not_be_read_opens_a_socket_later_once(
    connect_socket, user, monkeypatch
):
    """Closed 1013, the handshake is to be tried again, with the ticket the client has: it was
    not used."""
    identity = SocketIdentity(user, expires_at=None, credential_id=None)
    ticket = await asyncio.to_thread(issue_ticket, identity)
    with monkeypatch.context() as outage:
        outage.setattr(BaseDatabaseWrapper, "ensure_connection", database_down)
        communicator, _ = await connect_socket(query=f"ticket={ticket}")
        closed = await communicator.receive_output()
    assert closed == {"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER}
    communicator, _ = await connect_socket(query=f"ticket={ticket}")
    assert (await communicator.receive_json_from())["type"] == "session.ready"
    reused, _ = await connect_socket(query=f"ticket={ticket}")
    assert await reused.receive_output() == CLOSED_4401


async def test_ticket_needs_authentication():
    response = await asyncio.to_thread(APIClient().post, "/api/auth/ws-ticket/")
    assert response.status_code == 401


async def test_expired_or_unknown_ticket_is_refused(connect_socket, user, monkeypatch):
    clock = ManualClock()
    monkeypatch.setattr("accounts.revocation.clock", clock)
    identity = SocketIdentity(user, expires_at=None, credential_id=None)
    ticket = await asyncio.to_thread(issue_ticket, identity)
    clock.advance(30)
    communicator, _ = await connect_socket(query=f"ticket={ticket}")
    assert await communicator.receive_output() == CLOSED_4401
    communicator, _ = await connect_socket(query="ticket=made-up")
    assert await communicator.receive_output() == CLOSED_4401


async def test_query_token_is_refused_unless_enabled(
    connect_socket, user, ws_credentials, settings
):
    _, credential = await authorization(ws_credentials, user)
    communicator, _ = await connect_socket(query=f"token={credential}")
    assert await communicator.receive_output() == CLOSED_4401

    settings.CHAT_WS_ALLOW_QUERY_TOKEN = True
    communicator, _ = await connect_socket(query=f"token={credential}")
    assert (await communicator.receive_json_from())["type"] == "session.ready"


async def test_inactive_user_is_refused(connect_socket, make_user, ws_credentials):
    mallory = await asyncio.to_thread(make_user, "mallory")
    headers = await ws_credentials(mallory)
    mallory.is_active = False
    await mallory.asave()
    communicator, _ = await connect_socket(headers)
    assert await communicator.receive_output() == CLOSED_4401


async def test_a_ticket_traded_before_a_password_change_opens_nothing(
    connect_socket, user, ws_credentials, monkeypatch
):
    """The change closes every socket of the user; a ticket traded before it would open one
    after, for good. One traded after (a new login's) opens its socket."""
    clock = ManualClock()
    monkeypatch.setattr("accounts.revocation.clock", clock)
    keyword, credential = await authorization(ws_credentials, user)
    ticket = await ticket_for(f"{keyword} {credential}")
    user.set_password("another-horse-battery-staple")
    await user.asave()
    communicator, _ = await connect_socket(query=f"ticket={ticket}")
    assert await communicator.receive_output() == CLOSED_4401

    clock.advance(1)
    identity = SocketIdentity(user, expires_at=None, credential_id="a-new-login")
    later = await asyncio.to_thread(issue_ticket, identity)
    communicator, _ = await connect_socket(query=f"ticket={later}")
    assert (await communicator.receive_json_from())["type"] == "session.ready"


async def test_a_ticket_of_a_credential_that_ended_opens_nothing(connect_socket, user):
    """A logout ends one credential (close_sockets, which every auth mode's logout calls): its
    tickets open nothing, and the user's other credentials' tickets still do."""
    ended, kept = [
        await asyncio.to_thread(
            issue_ticket, SocketIdentity(user, expires_at=None, credential_id=credential)
        )
        for credential in ("phone", "laptop")
    ]
    await asyncio.to_thread(close_sockets, user.pk, "phone")
    communicator, _ = await connect_socket(query=f"ticket={ended}")
    assert await communicator.receive_output() == CLOSED_4401
    communicator, _ = await connect_socket(query=f"ticket={kept}")
    assert (await communicator.receive_json_from())["type"] == "session.ready"
