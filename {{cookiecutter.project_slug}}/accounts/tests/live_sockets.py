"""Real WebSocket clients on a real server process, for the tests of logout and revocation."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from core.testing import HttpClient

# An upper bound only: the close is expected well within a second.
PATIENCE = 10


@dataclass(frozen=True)
class HttpLogin:
    """A login made over HTTP as the README tells a client to (fixture `http_session`)."""

    # For the WebSocket handshake.
    headers: list[tuple[str, str]]
    # Logs this login out through the server at the given host; returns the HTTP status.
    logout: Callable[[str], int]
    # Signs its user out everywhere (POST /api/auth/logoutall/ as this login); the status.
    logout_everywhere: Callable[[str], int]


def header_http_session(
    host: str, username: str, password: str, *, path: str, field: str, keyword: str
) -> HttpLogin:
    """Log in over HTTP at `path`; the handshake sends `<keyword> <the answer's field>`, and
    logout posts it to /api/auth/logout/ (DRF token and knox modes)."""
    credentials = {"username": username, "password": password}
    status, body = HttpClient(f"http://{host}").request("POST", path, credentials)
    assert status == 200, body
    authorization = f"{keyword} {body[field]}"
    return HttpLogin(
        [("Authorization", authorization)],
        logout=partial(post_as, "/api/auth/logout/", authorization),
        logout_everywhere=partial(post_as, "/api/auth/logoutall/", authorization),
    )


def post_as(path: str, authorization: str, host: str) -> int:
    """The status of a POST to `path` with this Authorization header."""
    headers = {"Authorization": authorization}
    return HttpClient(f"http://{host}").request("POST", path, headers=headers)[0]


async def open_real_socket(host: str, headers) -> ClientConnection:
    socket = await connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
    )
    ready = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
    assert ready["type"] == "session.ready"
    return socket


async def close_code(socket: ClientConnection) -> int:
    """The code the server closes the socket with (events before the close are skipped)."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), PATIENCE)
    return closed.value.rcvd.code


async def answers(socket: ClientConnection) -> bool:
    """Whether the server still reads the socket: a frame it cannot parse gets an error back."""
    await socket.send("{}")
    return json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))["type"] == "error"


async def logout_closes_only_that_logins_socket(host: str, user, password: str, http_session):
    """Two logins of one user, a socket each: logging out one closes only its own socket."""
    logins = [await asyncio.to_thread(http_session, host, user.username, password) for _ in "ab"]
    sockets = [await open_real_socket(host, login.headers) for login in logins]

    assert await asyncio.to_thread(logins[0].logout, host) in (200, 204)
    assert await close_code(sockets[0]) == CLOSE_UNAUTHENTICATED
    # Answered after the first socket's close: the revocation that closed it spared this one.
    assert await answers(sockets[1])
    await sockets[1].close()
