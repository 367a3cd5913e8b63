"""Malformed REST input is a 4xx with a reason, never a 500 (or a body read without end)."""

import http.client
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from chat.models import Message
from core.parsers import StorableJSONParser, UTF8Fields

pytestmark = pytest.mark.django_db

MAX_ID = 2**63 - 1


def post_raw(client, path: str, body: bytes):
    return client.generic("POST", path, body, content_type="application/json")


@pytest.mark.parametrize(
    "body",
    [
        rb'{"body": "a\u0000b", "client_id": "c-1"}',
        rb'{"body": "a\ud800b", "client_id": "c-1"}',
        rb'{"body": "hi", "client_id": "c-\udfff"}',
        rb'{"body": "hi", "client_id": "c-1", "\u0000": 1}',
        b'{"body": "hi", "client_id": "c-1", "nested": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
    ids=["NUL", "lone surrogate", "surrogate in client_id", "NUL in a key", "nested 5000 deep"],
)
def test_a_json_body_no_database_can_store_is_a_400(as_user, room, user, body):
    response = post_raw(as_user(user), f"/api/rooms/{room.pk}/messages/", body)
    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]
    assert not Message.objects.exists()


def test_registration_refuses_a_body_nested_too_deeply_with_a_400(api_client, django_user_model):
    body = b'{"username": "carol", "password": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = post_raw(api_client, "/api/auth/register/", body)
    assert response.status_code == 400
    assert "JSON parse error" in response.data["detail"]
    assert not django_user_model.objects.filter(username="carol").exists()


def api_views(patterns=None):
    """Every view class the URLconf routes to, with its path."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if view is not None:
                yield str(pattern.pattern), view


def test_every_view_that_reads_json_reads_it_with_the_storable_parser():
    """A view's own parser_classes replace the settings': DRF's JSONParser there would answer
    a body nested too deeply with a 500."""
    unsafe = [
        (path, view.__name__)
        for path, view in api_views()
        for parser in getattr(view, "parser_classes", ())
        if issubclass(parser, JSONParser) and not issubclass(parser, StorableJSONParser)
    ]
    assert unsafe == []


def test_every_view_that_reads_forms_refuses_fields_that_are_not_utf8():
    unsafe = [
        (path, view.__name__)
        for path, view in api_views()
        for parser in getattr(view, "parser_classes", ())
        if issubclass(parser, (FormParser, MultiPartParser)) and not issubclass(parser, UTF8Fields)
    ]
    assert unsafe == []


NOT_UTF8 = b"ab\xed\xb2\x80cd"  # a surrogate's bytes: never UTF-8


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"client_id=c-1&body=ab%ED%B2%80cd"),
        ("application/x-www-form-urlencoded", b"client_id=c-1&body=%EF%BF%BD"),
        (
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="client_id"\r\n\r\nc-1\r\n'
            b'--B\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
            + NOT_UTF8
            + b"\r\n--B--\r\n",
        ),
    ],
    ids=["form, not UTF-8", "form, U+FFFD", "multipart, not UTF-8"],
)
def test_form_fields_that_are_not_utf8_are_a_400_not_stored_garbled(
    as_user, room, user, content_type, body
):
    path = f"/api/rooms/{room.pk}/messages/"
    response = as_user(user).generic("POST", path, body, content_type=content_type)
    assert response.status_code == 400, response.data
    assert "fields must be UTF-8 text" in response.data["detail"]
    assert not Message.objects.exists()


def test_form_fields_in_utf8_are_taken(as_user, room, user):
    body = b"client_id=c-1&body=caf%C3%A9"
    path = f"/api/rooms/{room.pk}/messages/"
    response = as_user(user).generic("POST", path, body, "application/x-www-form-urlencoded")
    assert response.status_code == 201, response.data
    assert Message.objects.get().body == "café"


def test_an_escaped_emoji_is_text_and_is_stored(as_user, room, user):
    """A surrogate pair is one character: only lone surrogates are refused."""
    body = rb'{"body": "\ud83d\ude00", "client_id": "c-1"}'
    response = post_raw(as_user(user), f"/api/rooms/{room.pk}/messages/", body)
    assert response.status_code == 201
    assert Message.objects.get().body == "\N{GRINNING FACE}"


@pytest.mark.parametrize("cursor", ["after=²", "before=-1", "after=1.5", f"before={MAX_ID + 1}"])
def test_a_cursor_that_is_not_an_id_is_a_400(as_user, room, user, cursor):
    response = as_user(user).get(f"/api/rooms/{room.pk}/messages/?{cursor}")
    assert response.status_code == 400
    assert cursor.split("=")[0] in response.data


@pytest.mark.parametrize(
    "path",
    [
        f"/api/rooms/{MAX_ID + 1}/messages/",
        f"/api/rooms/{MAX_ID + 1}/",
        f"/api/messages/{MAX_ID + 1}/",
        f"/api/rooms/{10**40}/members/",
    ],
)
def test_an_id_past_bigint_in_a_path_is_a_404(as_user, user, path):
    assert as_user(user).get(path).status_code == 404


@pytest.mark.parametrize("query", [f"limit={10**30}", f"offset={10**30}", f"offset={MAX_ID}"])
def test_paging_beyond_bigint_answers_a_page(as_user, room, user, query):
    response = as_user(user).get(f"/api/rooms/?{query}")
    assert response.status_code == 200
    assert isinstance(response.data["results"], list)


def test_a_page_is_never_larger_than_the_maximum(as_user, make_room, make_user, user, settings):
    for n in range(3):
        make_room(user, make_user(f"u{n}"))
    from core.pagination import BoundedLimitOffsetPagination

    assert BoundedLimitOffsetPagination.max_limit == settings.REST_MAX_PAGE_SIZE
    response = as_user(user).get(f"/api/rooms/?limit={10**30}")
    assert len(response.data["results"]) == 3


def send_body(host: str, body: bytes, *, chunked: bool = False) -> int:
    """POST `body` to the registration endpoint of a real server; its status code."""
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        headers = {"Content-Type": "application/json"}
        connection.request(
            "POST",
            "/api/auth/register/",
            body=iter([body]) if chunked else body,
            headers=headers,
            encode_chunked=chunked,
        )
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        # The server may answer and close before the client has sent everything.
        return http.client.REQUEST_ENTITY_TOO_LARGE
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_refused_413_before_it_is_read(live_server_host, chunked):
    from django.conf import settings

    too_large = b"x" * (settings.HTTP_MAX_BODY_BYTES + 1)
    assert send_body(live_server_host, too_large, chunked=chunked) == 413
    # The server reads on: a small body is answered as usual.
    assert send_body(live_server_host, b"{}", chunked=chunked) == 400


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_read_as_one_sent_with_its_length(live_server_host, django_user_model):
    """Django, and DRF's parsers, read a body without a Content-Length as empty."""
    new = {"username": "chunky", "password": "a-long-enough-passphrase-91"}
    assert send_body(live_server_host, json.dumps(new).encode(), chunked=True) == 201
    assert django_user_model.objects.filter(username="chunky").exists()


@pytest.mark.django_db
def test_a_field_a_request_does_not_take_is_refused_not_ignored(as_user, user, room):
    """{"body": ..., "sender": ...} stored the body and dropped the sender without a word: its
    client believed it had set it. Refused, the request changes nothing."""
    client = as_user(user)
    sent = {"body": "as sent", "client_id": "first"}
    message = client.post(f"/api/rooms/{room.pk}/messages/", sent, format="json").data
    writes = [
        ("post", f"/api/rooms/{room.pk}/messages/", {"body": "x", "client_id": "2", "sender": 3}),
        ("patch", f"/api/messages/{message['id']}/", {"body": "edited", "room": 3}),
        ("post", f"/api/messages/{message['id']}/reactions/", {"emoji": "👍", "user": 3}),
        ("post", f"/api/rooms/{room.pk}/read/", {"message": message["id"], "user": 3}),
    ]
    for method, path, body in writes:
        refused = getattr(client, method)(path, body, format="json")
        assert refused.status_code == 400, (path, refused.data)
        (unknown,) = set(body) - {"body", "client_id", "emoji", "message"}
        assert list(refused.data) == [unknown], refused.data
    (stored,) = client.get(f"/api/rooms/{room.pk}/messages/").data["results"]
    assert (stored["body"], stored["reactions"]) == ("as sent", [])


@pytest.mark.parametrize("debug", [False, True], ids=["production", "development"])
@pytest.mark.parametrize(
    "path",
    ["/api/rooms/abc/", "/api/no-such-endpoint/", "/api/rooms/%C2%84/", f"/api/rooms/{10**30}/"],
)
def test_an_api_url_that_matches_no_route_is_a_json_404(as_user, user, path, debug, settings):
    """In development too, where Django would answer its HTML debug page."""
    settings.DEBUG = debug
    response = as_user(user).get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_api_url_without_its_slash_is_still_sent_to_it(as_user, user):
    response = as_user(user).get("/api/rooms")
    assert (response.status_code, response["Location"]) == (301, "/api/rooms/")


def test_an_api_request_for_a_host_not_served_is_a_json_400(client):
    response = client.get("/api/rooms/", headers={"host": "elsewhere.example"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}
