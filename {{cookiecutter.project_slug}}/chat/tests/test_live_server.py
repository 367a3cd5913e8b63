"""A real server process (uvicorn, as in production) and a real WebSocket client, authenticated
as the README says."""

import asyncio
import http.cookiejar
import importlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

import config.serve
from chat.models import Message
from chat.realtime.frames import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)


async def test_real_client_logs_in_and_gets_session_ready(
    live_server_host, user, password, http_login
):
    host = live_server_host
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    async with connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
    ) as socket:
        ready = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert (ready["type"], ready["user"]) == (
            "session.ready",
            {"id": user.pk, "username": "alice", "display_name": "", "avatar": None},
        )


async def test_real_client_without_credentials_is_closed_4401(live_server_host):
    host = live_server_host
    async with connect(f"ws://{host}/ws/chat/", origin=f"http://{host}") as socket:
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd.code == CLOSE_UNAUTHENTICATED


async def test_real_client_from_a_foreign_origin_is_refused(
    live_server_host, user, password, http_login
):
    host = live_server_host
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            f"ws://{host}/ws/chat/", origin="http://evil.example", additional_headers=headers
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_a_frame_over_the_limit_closes_the_socket_1009_and_the_longest_message_fits(
    live_server_host, user, password, http_login, room
):
    host = live_server_host
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    async with connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers, max_size=None
    ) as socket:
        await asyncio.wait_for(socket.recv(), 10)  # session.ready
        # The longest body, each character as long as JSON writes any: a surrogate pair.
        longest = {
            "type": "message.send",
            "room": room.pk,
            "body": "\N{GRINNING FACE}" * settings.CHAT_MAX_MESSAGE_LENGTH,
            "client_id": "longest",
        }
        await socket.send(json.dumps(longest))
        stored = await receive_type(socket, "message.new")
        assert stored["message"]["client_id"] == "longest"
        with pytest.raises(ConnectionClosed) as closed:
            # The server may close before the whole frame is written: then the send raises.
            await socket.send("x" * (config.serve.WS_MAX_FRAME_BYTES + 1))
            await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd.code == 1009  # "message too big", RFC 6455 7.4.1


async def receive_type(socket, event_type: str) -> dict:
    """The next event of that type (membership events may come first)."""
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if event["type"] == event_type:
            return event


async def exchange(hosts, user, bob, password, http_login, room) -> None:
    """alice on hosts[0] and bob on hosts[1] each send one message; each receives both."""
    sockets = []
    for host, who in zip(hosts, (user, bob), strict=True):
        headers = await asyncio.to_thread(http_login, host, who.username, password)
        socket = await connect(
            f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
        )
        await receive_type(socket, "session.ready")
        sockets.append(socket)
    try:
        for n, socket in enumerate(sockets):
            frame = {"type": "message.send", "room": room.pk, "body": f"m{n}", "client_id": f"{n}"}
            await socket.send(json.dumps(frame))
            for receiver in sockets:
                event = await receive_type(receiver, "message.new")
                assert event["message"]["body"] == f"m{n}"
    finally:
        for socket in sockets:
            await socket.close()


async def test_two_real_clients_exchange_messages(
    live_server_host, user, bob, room, password, http_login
):
    await exchange([live_server_host] * 2, user, bob, password, http_login, room)


def admin_session(host: str, username: str, password: str):
    """An HTTP client logged in to the admin through its login form, as staff would be."""
    cookies = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
    opener.open(f"http://{host}/admin/login/", timeout=10).read()
    token = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    with opener.open(
        f"http://{host}/admin/login/?next=/admin/",
        urllib.parse.urlencode(form).encode(),
        timeout=10,
    ) as response:
        assert response.url.endswith("/admin/"), "the admin login failed"
    return opener, cookies


def admin_post(session, host: str, path: str, form: dict) -> None:
    opener, cookies = session
    token = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
    data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(
        f"http://{host}{path}", data, headers={"Referer": f"http://{host}{path}"}
    )
    opener.open(request, timeout=10).read()


async def test_a_message_deleted_in_the_admin_disappears_from_a_real_client_live(
    live_server_host, user, bob, room, password, http_login, make_user
):
    host = live_server_host
    await sync_to_async(make_user)("staff", is_staff=True, is_superuser=True)
    message = await Message.objects.acreate(room=room, sender=bob, body="spam", client_id="s")
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    async with connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=headers
    ) as socket:
        await receive_type(socket, "session.ready")
        session = await asyncio.to_thread(admin_session, host, "staff", password)
        await asyncio.to_thread(
            admin_post, session, host, f"/admin/chat/message/{message.pk}/delete/", {"post": "yes"}
        )
        event = await receive_type(socket, "message.deleted")
        assert (event["message"]["id"], event["message"]["body"]) == (message.pk, "")


async def test_a_browser_offering_compression_gets_frames_uncompressed(
    live_server_host, user, password, http_login
):
    """Browsers always offer permessage-deflate; the production server declines it unless
    WS_PER_MESSAGE_DEFLATE is true (config/serve.py says why)."""
    host = live_server_host
    headers = await asyncio.to_thread(http_login, host, user.username, password)
    async with connect(
        f"ws://{host}/ws/chat/",
        origin=f"http://{host}",
        additional_headers=headers,
        compression="deflate",
    ) as socket:
        assert "permessage-deflate" in socket.request.headers["Sec-WebSocket-Extensions"]
        assert "Sec-WebSocket-Extensions" not in socket.response.headers
        assert socket.protocol.extensions == []
        await receive_type(socket, "session.ready")


def test_the_production_command_accepts_compression_when_the_environment_says_so(monkeypatch):
    options = serve_options(monkeypatch, None)
    assert options[options.index("--ws-per-message-deflate") + 1] == "false"
    options = serve_options(monkeypatch, "true")
    assert options[options.index("--ws-per-message-deflate") + 1] == "true"
    serve_options(monkeypatch, None)  # the module as the other tests expect it


def test_the_production_command_reads_its_options_from_dot_env_too(tmp_path):
    """.env is read when the settings are, after uvicorn's options are made: the options must
    read it themselves, or WS_PER_MESSAGE_DEFLATE=true there does nothing."""
    shutil.copytree(Path(settings.BASE_DIR, "config"), tmp_path / "config")
    (tmp_path / ".env").write_text("WS_PER_MESSAGE_DEFLATE=true\n")
    script = "import config.serve as s; print(s.SERVER_OPTIONS)"
    environment = {k: v for k, v in os.environ.items() if k != "WS_PER_MESSAGE_DEFLATE"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "'--ws-per-message-deflate', 'true'" in result.stdout


def serve_options(monkeypatch, deflate: str | None) -> list[str]:
    """config.serve's uvicorn options, as read with WS_PER_MESSAGE_DEFLATE set so."""
    if deflate is None:
        monkeypatch.delenv("WS_PER_MESSAGE_DEFLATE", raising=False)
    else:
        monkeypatch.setenv("WS_PER_MESSAGE_DEFLATE", deflate)
    return importlib.reload(config.serve).SERVER_OPTIONS
