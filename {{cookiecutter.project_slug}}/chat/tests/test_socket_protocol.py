"""The socket's behaviour whatever the auth mode: origin check, readiness, malformed frames."""

import pytest
from django.db import OperationalError

from chat.realtime.consumer import FRAME_HANDLERS, FrameHandler
from chat.realtime.frames import CLOSE_UNAUTHENTICATED, encode
from chat.realtime.hub import get_hub

pytestmark = pytest.mark.django_db(transaction=True)


async def test_authenticated_socket_gets_session_ready(connect_socket, user, ws_credentials):
    communicator, connected = await connect_socket(await ws_credentials(user))
    assert connected
    assert await communicator.receive_json_from() == {
        "type": "session.ready",
        "user": {"id": user.pk, "username": "alice", "display_name": "", "avatar": None},
        "typing": {"refresh_seconds": 3.0, "timeout_seconds": 6.0},
        "presence": False,
    }


async def test_socket_without_credentials_is_closed_4401(connect_socket):
    communicator, connected = await connect_socket()
    assert connected  # accepted only to carry the close code
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        None,
        # Ports that do not parse: refused like any other origin, never a 500.
        "http://a:b",
        "http://localhost:99999",
        "http://localhost:8000.evil.example",
    ],
)
async def test_foreign_or_missing_origin_is_rejected(
    connect_socket, user, ws_credentials, origin, caplog
):
    _, connected = await connect_socket(await ws_credentials(user), origin=origin)
    assert not connected
    # The log says why, for the operator whose own page this was.
    [refusal] = [record for record in caplog.records if record.name == "core.websocket_origins"]
    assert refusal.getMessage() == (
        f"WebSocket handshake refused (403): Origin {origin!r} is not allowed "
        "(DJANGO_WEBSOCKET_ALLOWED_ORIGINS; by default the hosts' own pages)"
    )


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type": 7}', "JSON object"),
        ('{"type": "no.such.thing"}', "Unknown frame type"),
        ('{"type": "auth.refresh", "token": 42}', ""),
        ('{"type": "auth.refresh", "token": "a\\u0000b"}', ""),
        ('{"type": "auth.refresh", "token": "a\\ud800b"}', ""),
        ('{"type": "' + "x" * 10_000 + '"}', "Unknown frame type"),
        ('{"type": "message.send", "body": ' + "[" * 5000 + "]" * 5000 + "}", "too deeply"),
    ],
    ids=[
        "not JSON",
        "not an object",
        "type not a string",
        "unknown type",
        "token not a string",
        "NUL in token",
        "lone surrogate in token",
        "huge type",
        "nested 5000 deep",
    ],
)
async def test_malformed_frames_get_an_error_and_the_socket_stays_open(
    connect_socket, user, ws_credentials, frame, detail
):
    communicator, _ = await connect_socket(await ws_credentials(user))
    await communicator.receive_json_from()  # session.ready
    await communicator.send_to(text_data=frame)
    error = await communicator.receive_json_from()
    assert error["type"] == "error"
    assert error["code"] == "invalid"
    assert detail in error["detail"]
    assert error["ref"] is None
    # Still usable: the next bad frame is answered too.
    await communicator.send_to(bytes_data=b"\x00")
    assert (await communicator.receive_json_from())["code"] == "invalid"


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (RuntimeError("a bug"), "internal"),
        (OperationalError('connection to server at "127.0.0.1", port 5432 failed'), "unavailable"),
    ],
    ids=["a bug", "the database out of reach"],
)
async def test_a_frame_whose_handler_fails_is_answered_and_the_socket_stays_open(
    open_socket, user, monkeypatch, failure, code
):
    async def failing_handler(consumer, frame):
        raise failure

    monkeypatch.setitem(FRAME_HANDLERS, "typing.start", FrameHandler(failing_handler))
    communicator = await open_socket(user)
    for attempt in range(2):
        await communicator.send_json_to({"type": "typing.start", "client_id": f"c{attempt}"})
        error = await communicator.receive_json_from()
        assert (error["type"], error["code"], error["ref"]) == ("error", code, f"c{attempt}")


async def test_session_ready_comes_before_any_event_that_arrives_while_subscribing(
    connect_socket, ws_credentials, room, user, monkeypatch
):
    hub = get_hub()
    attach = hub.attach

    async def attach_while_a_room_event_arrives(socket, *args):
        await attach(socket, *args)
        socket.push((encode({"type": "test.during_attach"}),))  # as the hub would, meanwhile

    monkeypatch.setattr(hub, "attach", attach_while_a_room_event_arrives)
    communicator, _ = await connect_socket(await ws_credentials(user))
    assert (await communicator.receive_json_from())["type"] == "session.ready"
    assert (await communicator.receive_json_from())["type"] == "test.during_attach"
