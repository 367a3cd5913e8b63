"""What the server logs of a WebSocket handshake holds no credential that still works."""

import logging
from urllib.parse import parse_qs

from hypothesis import given
from hypothesis import strategies as st

from core.log_filters import CREDENTIAL_PARAMETERS, HideCredentialsInPaths, OncePerInterval


def test_a_handshakes_line_hides_the_ticket_or_token_of_its_query(caplog):
    with caplog.at_level(logging.INFO, logger="uvicorn.error"):
        for path in ("/ws/chat/?ticket=s3cret-ticket", "/ws/chat/?after=7&token=s3cret-token"):
            # As uvicorn's WebSocket protocol logs a handshake it refuses.
            logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" 403', "10.0.0.1", path)
    assert "s3cret" not in caplog.text
    assert '"WebSocket /ws/chat/?ticket=[hidden]" 403' in caplog.text
    assert '"WebSocket /ws/chat/?after=7&token=[hidden]" 403' in caplog.text


def spelled(name: str):
    """`name` as a client may write it in a query: any letter of it percent-encoded, in
    either case of hex digits."""
    forms = [st.sampled_from([c, f"%{ord(c):02x}", f"%{ord(c):02X}"]) for c in name]
    return st.tuples(*forms).map("".join)


@given(
    name=st.sampled_from(sorted(CREDENTIAL_PARAMETERS)).flatmap(spelled),
    credential=st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=8, max_size=40),
    before=st.sampled_from(["", "after=7&", "x=1&"]),
)
def test_a_credential_the_server_reads_from_a_query_never_reaches_the_log(name, credential, before):
    query = f"{before}{name}={credential}"
    # The server reads it, whatever the spelling of its name.
    read = {key: values for key, values in parse_qs(query).items() if key in CREDENTIAL_PARAMETERS}
    assert list(read.values()) == [[credential]]
    # As uvicorn's WebSocket protocol logs a handshake it refuses.
    line = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        0,
        '%s - "WebSocket %s" 403',
        ("10.0.0.1", f"/ws/chat/?{query}"),
        None,
    )
    HideCredentialsInPaths().filter(line)
    assert credential not in line.getMessage()


def test_a_request_for_a_host_not_served_is_one_warning_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="django.security.DisallowedHost"):
        assert client.get("/admin/login/", HTTP_HOST="evil.example").status_code == 400
    (record,) = [r for r in caplog.records if r.name == "django.security.DisallowedHost"]
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert "evil.example" in record.getMessage()


def test_a_form_of_too_many_fields_is_one_warning_line(client, caplog, settings):
    fields = {f"field{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    with caplog.at_level(logging.INFO, logger="django.security.TooManyFieldsSent"):
        assert client.post("/admin/login/", fields).status_code == 400
    (record,) = [r for r in caplog.records if r.name == "django.security.TooManyFieldsSent"]
    assert (record.levelname, record.exc_info) == ("WARNING", None)


def test_a_message_repeated_every_second_is_shown_once_a_minute(caplog):
    now = [1000.0]
    subscriber = logging.getLogger("test.subscriber")
    subscriber.addFilter(OncePerInterval(60, clock=lambda: now[0]))
    with caplog.at_level(logging.ERROR, logger="test.subscriber"):
        for second in range(121):
            now[0] = 1000.0 + second
            subscriber.error("Unexpected exception in receive task")
            if second == 30:
                subscriber.error("another message")
    assert [r.getMessage() for r in caplog.records] == [
        "Unexpected exception in receive task",
        "another message",
        "Unexpected exception in receive task",
        "Unexpected exception in receive task",
    ]


def test_the_redis_subscribers_logger_is_filtered_so(settings):
    assert "once_a_minute" in settings.LOGGING["loggers"]["channels_redis.pubsub"]["filters"]
