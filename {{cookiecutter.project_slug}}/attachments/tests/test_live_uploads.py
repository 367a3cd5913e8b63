"""Uploads to a real server process (uvicorn, as in production) from a real HTTP client, sent
on a real WebSocket, downloaded by another member: in this project's auth mode."""

import asyncio
import http.client
import io
import json
import secrets
import urllib.error
import urllib.request
from email.message import Message
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from PIL import Image
from websockets.asyncio.client import connect

from attachments.models import Attachment

from .conftest import ELF, EXIF_MAKE, image_bytes, stored_files

pytestmark = pytest.mark.django_db(transaction=True)

# Small, so that the tests send files over it cheaply; other requests' limit smaller still.
MAX_BYTES = 100_000
MAX_BODY_BYTES = 50_000


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("live-media")


@pytest.fixture(scope="module")
def host(start_server, media_root) -> str:
    return start_server(
        {
            "DJANGO_MEDIA_ROOT": str(media_root),
            "ATTACHMENTS_MAX_BYTES": str(MAX_BYTES),
            "HTTP_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
        }
    )


def request_headers(login) -> dict[str, str]:
    """The login's headers for a REST request: a session client adds its CSRF token."""
    headers = dict(login.headers)
    cookie = SimpleCookie(headers.get("Cookie", ""))
    if settings.CSRF_COOKIE_NAME in cookie:
        headers["X-CSRFToken"] = cookie[settings.CSRF_COOKIE_NAME].value
    return headers


def http_request(
    host, method, path, headers, body=None, content_type=None
) -> tuple[int, bytes, Message]:
    request = urllib.request.Request(f"http://{host}{path}", data=body, method=method)
    for name, value in {
        **headers,
        **({"Content-Type": content_type} if content_type else {}),
    }.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def upload(host, login, room, content: bytes, name: str, client_type: str):
    """A multipart/form-data POST as a browser's FormData sends it."""
    boundary = secrets.token_hex(16)
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {client_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, raw, _ = http_request(
        host,
        "POST",
        f"/api/rooms/{room.pk}/attachments/",
        request_headers(login),
        body,
        f"multipart/form-data; boundary={boundary}",
    )
    return status, json.loads(raw)


async def open_socket(host, login):
    socket = await connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers=login.headers
    )
    while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "session.ready":
        pass
    return socket


async def next_message(socket) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if event["type"] in ("message.new", "error"):
            return event


async def test_an_upload_sent_on_a_socket_reaches_a_member_who_downloads_it(
    host, http_session, user, bob, carol, room, password, media_root
):
    alice, bobs = await asyncio.gather(
        *(asyncio.to_thread(http_session, host, who.username, password) for who in (user, bob))
    )
    photo = image_bytes("JPEG", (120, 80))
    status, uploaded = await asyncio.to_thread(
        upload, host, alice, room, photo, "holiday.jpg", "image/jpeg"
    )
    assert status == 201, uploaded
    assert (uploaded["width"], uploaded["height"]) == (120, 80)

    alice_socket, bob_socket = await open_socket(host, alice), await open_socket(host, bobs)
    try:
        frame = {
            "type": "message.send",
            "room": room.pk,
            "body": "",
            "client_id": "c-photo",
            "attachments": [uploaded["id"]],
        }
        await alice_socket.send(json.dumps(frame))
        for socket in (alice_socket, bob_socket):
            event = await next_message(socket)
            assert event["type"] == "message.new", event
            assert event["message"]["attachments"] == [uploaded]
    finally:
        await alice_socket.close()
        await bob_socket.close()

    status, content, headers = await asyncio.to_thread(
        http_request, host, "GET", uploaded["url"], request_headers(bobs)
    )
    assert (status, headers["Content-Type"]) == (200, "image/jpeg")
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (120, 80)
        assert EXIF_MAKE not in image.getexif()
    status, thumbnail, _ = await asyncio.to_thread(
        http_request, host, "GET", uploaded["thumbnail_url"], request_headers(bobs)
    )
    assert (status, thumbnail[8:12]) == (200, b"WEBP")
    carols = await asyncio.to_thread(http_session, host, carol.username, password)
    status, _, _ = await asyncio.to_thread(
        http_request, host, "GET", uploaded["url"], request_headers(carols)
    )
    assert status == 404
    attachment = await Attachment.objects.aget()
    assert (media_root / attachment.file.name).is_file()


async def test_refused_uploads_get_clear_errors_and_store_nothing(
    host, http_session, user, carol, room, password, media_root
):
    alice, carols = await asyncio.gather(
        *(asyncio.to_thread(http_session, host, who.username, password) for who in (user, carol))
    )
    files_before = stored_files(media_root)
    refusals = [
        # A renamed executable, sent as the image its name says.
        (alice, ELF + bytes(2048), "photo.png", "image/png", 400, "not allowed"),
        # Over ATTACHMENTS_MAX_BYTES: the view's own answer.
        (alice, b"x" * (MAX_BYTES + 1), "big.txt", "text/plain", 400, f"{MAX_BYTES} bytes"),
        # Not a member of the room.
        (carols, image_bytes(), "photo.png", "image/png", None, ""),
    ]
    for login, content, name, client_type, expected, detail in refusals:
        status, answer = await asyncio.to_thread(
            upload, host, login, room, content, name, client_type
        )
        if expected is None:  # a group room answers 403, a 1-to-1 404: as for sends
            assert status in (403, 404), answer
        else:
            assert status == expected, answer
        assert detail in json.dumps(answer)
    # Far over it: refused as soon as the headers say so, before the body is sent.
    status, answer = await asyncio.to_thread(
        announce,
        host,
        alice,
        f"/api/rooms/{room.pk}/attachments/",
        "multipart/form-data; boundary=b",
        MAX_BYTES * 20,
    )
    assert status == 413
    assert answer["detail"].startswith("The request body is too large: at most ")
    assert await Attachment.objects.acount() == 0
    assert stored_files(media_root) == files_before


def announce(host, login, path: str, content_type: str, size: int) -> tuple[int, dict]:
    """Send only the headers of a POST of `size` bytes, and read the answer."""
    connection = http.client.HTTPConnection(host, timeout=10)
    try:
        connection.putrequest("POST", path)
        headers = {
            **request_headers(login),
            "Content-Type": content_type,
            "Content-Length": str(size),
        }
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


async def test_only_the_upload_route_takes_bodies_over_the_request_limit(
    host, http_session, user, room, password
):
    alice = await asyncio.to_thread(http_session, host, user.username, password)
    text = b"notes\n" * (MAX_BODY_BYTES // 6 + 1000)
    status, answer = await asyncio.to_thread(
        upload, host, alice, room, text, "notes.txt", "text/plain"
    )
    assert (status, answer["size"]) == (201, len(text))
    # The same size to any other route: refused.
    status, _ = await asyncio.to_thread(
        announce,
        host,
        alice,
        f"/api/rooms/{room.pk}/messages/",
        "application/json",
        len(text),
    )
    assert status == 413
