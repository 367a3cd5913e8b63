"""Two server processes sharing the Redis layer: a revocation closes sockets in both."""

import asyncio

import pytest
from asgiref.sync import sync_to_async

from accounts.tests.live_sockets import close_code, open_real_socket
from chat.realtime.frames import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)


async def test_logout_through_one_process_closes_the_socket_on_another(
    live_server_host, other_server_host, user, password, http_session
):
    socket_host, logout_host = live_server_host, other_server_host
    login = await asyncio.to_thread(http_session, socket_host, user.username, password)
    socket = await open_real_socket(socket_host, login.headers)

    assert await asyncio.to_thread(login.logout, logout_host) in (200, 204)
    assert await close_code(socket) == CLOSE_UNAUTHENTICATED


async def test_a_password_changed_outside_the_servers_closes_the_sockets_on_each(
    live_server_host, other_server_host, user, password, http_session
):
    # As `manage.py changepassword` would: a process that serves no socket.
    sockets = []
    for host in (live_server_host, other_server_host):
        login = await asyncio.to_thread(http_session, host, user.username, password)
        sockets.append(await open_real_socket(host, login.headers))

    user.set_password("another-horse-battery-staple")
    await sync_to_async(user.save)()
    for socket in sockets:
        assert await close_code(socket) == CLOSE_UNAUTHENTICATED
