"""Staff sign a user out everywhere from the admin (a stolen login, a lost phone): every
credential and socket of theirs ends, as their own POST /api/auth/logoutall/ ends them
(accounts/tests/test_revocation.py), and nobody else's."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.rest_status import rest_status
from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from users.credentials import end_every_credential
from users.models import User

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_admin_signs_a_user_out_everywhere(
    admin_client, user, bob, ws_credentials, connect_socket
):
    alices, bobs = await ws_credentials(user), await ws_credentials(bob)
    sockets = [(await connect_socket(headers))[0] for headers in (alices, bobs)]
    for socket in sockets:
        assert (await socket.receive_json_from())["type"] == "session.ready"
    action = {"action": "sign_out_everywhere", "_selected_action": [user.pk]}

    page = await sync_to_async(admin_client.post)("/admin/users/user/", action, follow=True)

    assert "1 user is signed out everywhere." in page.content.decode()
    closed = await sockets[0].receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}
    assert await asyncio.to_thread(rest_status, alices) == 401
    # Answered after alice's socket was closed: bob's is still read, his credential still good.
    await sockets[1].send_to(text_data="{}")
    assert (await sockets[1].receive_json_from())["type"] == "error"
    assert await asyncio.to_thread(rest_status, bobs) == 200


def test_a_copy_loaded_before_and_saved_whole_after_leaves_the_credentials_ended(user):
    """The admin's change form, open while the user signs out everywhere, saves every field of
    the copy it loaded: the credentials version is not among them."""
    stale = User.objects.get(pk=user.pk)
    end_every_credential(user)
    stale.first_name = "Alice"
    stale.save()
    stale.refresh_from_db()
    assert (stale.first_name, stale.credentials_version) == ("Alice", 1)
