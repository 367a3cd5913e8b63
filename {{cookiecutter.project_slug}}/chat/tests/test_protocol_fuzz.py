"""The socket protocol fuzzed (hypothesis) against a real server process: every frame, however
malformed, gets exactly one answer, the socket stays open, and the server keeps serving.

A longer run, with the outcomes counted:
FUZZ_FRAMES=10000 uv run pytest -m fuzz -s chat/tests/test_protocol_fuzz.py
"""

import json
import os
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from websockets.sync.client import connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

FRAMES = int(os.environ.get("FUZZ_FRAMES", "300"))
ERROR_CODES = {"invalid", "forbidden", "not_found", "unavailable", "internal"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
# Stands for the id of the test's room, which the server's answers then depend on.
ROOM = -987_654_321
# Ids of every kind: the room's, small ones (other rooms), past BIGINT, not integers at all.
ids = st.one_of(
    st.just(ROOM),
    st.integers(min_value=-2, max_value=100),
    st.integers(min_value=-(2**70), max_value=2**70),
    json_values,
)
texts = st.text() | st.sampled_from(["", " ", "\x00", "\ud800", "x" * 5000, "\N{GRINNING FACE}"])


def documented(frame_type: str, **fields) -> st.SearchStrategy:
    return st.fixed_dictionaries({"type": st.just(frame_type)}, optional=fields)


def nested(depth: int) -> str:
    return '{"type": "message.send", "body": ' + "[" * depth + "]" * depth + "}"


# Every frame below the production server's limit (a larger one closes the socket with 1009, as
# test_live_server.py shows): JSON of the documented types with fields of every kind, any
# JSON, any text, binary frames, nesting and size extremes.
frames = st.one_of(
    documented(
        "message.send", room=ids, body=texts | json_values, client_id=texts | json_values
    ).map(json.dumps),
    documented("auth.refresh", token=texts | json_values).map(json.dumps),
    st.dictionaries(st.text(), json_values).map(json.dumps),
    json_values.map(json.dumps),
    st.text(),
    st.binary(max_size=64),
    st.integers(min_value=1, max_value=20_000).map(nested),
    st.integers(min_value=0, max_value=2**16 - 16).map(lambda size: "x" * size),
)


class FuzzedSocket:
    """One socket to the server, and what it was answered.

    After each fuzzed frame comes a probe, a frame of an unknown type: the server answers a
    socket's frames in order, so every error before the probe's answers the fuzzed frame. A
    valid send is answered by its message.new, which reaches the socket through the room and
    may come later (with the Redis layer): those are counted, and matched at the end.
    """

    def __init__(self, socket, room_id: int):
        self.socket, self.room_id = socket, room_id
        assert self.next_frame()["type"] == "session.ready"
        self.probes = 0
        self.outcomes: Counter[str] = Counter()

    def next_frame(self) -> dict:
        frame = json.loads(self.socket.recv(10))
        if frame["type"] == "message.new":
            self.outcomes["message.new"] += 1
        return frame

    def errors_answering(self, frame: str | bytes) -> list[dict]:
        self.probes += 1
        probe = f"fuzz.probe.{self.probes}"
        if isinstance(frame, str):
            frame = frame.replace(str(ROOM), str(self.room_id))
        self.socket.send(frame)
        self.socket.send(json.dumps({"type": probe}))
        errors = []
        while True:
            answer = self.next_frame()
            if answer["type"] != "error":
                continue
            if repr(probe) in answer["detail"]:
                return errors
            errors.append(answer)

    def settle(self) -> None:
        """Read until a send made now is delivered: every earlier message.new came before it."""
        last = f"settle-{uuid.uuid4()}"
        self.socket.send(
            json.dumps(
                {"type": "message.send", "room": self.room_id, "body": "last", "client_id": last}
            )
        )
        while self.next_frame().get("message", {}).get("client_id") != last:
            pass
        self.outcomes["message.new"] -= 1


@pytest.fixture
def open_socket_to_server(live_server_host, user, password, http_login, room):
    """open_socket_to_server() -> a context manager: a FuzzedSocket of `user`, in a room."""
    headers = http_login(live_server_host, user.username, password)

    @contextmanager
    def open_():
        with connect(
            f"ws://{live_server_host}/ws/chat/",
            origin=f"http://{live_server_host}",
            additional_headers=headers,
        ) as socket:
            yield FuzzedSocket(socket, room.pk)

    return open_


def test_every_frame_gets_one_answer_and_the_socket_stays_open(open_socket_to_server):
    unanswered = 0
    with open_socket_to_server() as socket:

        @given(frame=frames)
        @hypothesis_settings(
            max_examples=FRAMES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def check(frame):
            nonlocal unanswered
            errors = socket.errors_answering(frame)
            assert len(errors) <= 1, (frame[:200], errors)
            for error in errors:
                assert error["code"] in ERROR_CODES, error
                socket.outcomes[f"error {error['code']}"] += 1
            if not errors:
                unanswered += 1  # a valid send: its message.new answers it

        check()
        socket.settle()
        print(f"\nfuzzed frames' outcomes: {dict(socket.outcomes)}")
        assert socket.outcomes["message.new"] == unanswered
    # The server still serves: a new socket opens and is answered.
    with open_socket_to_server() as other:
        assert other.errors_answering('{"type": "no.such.type"}')[0]["code"] == "invalid"
