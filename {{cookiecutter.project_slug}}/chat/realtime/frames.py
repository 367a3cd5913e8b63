"""The socket's wire format: JSON text frames with a `type`, and the close codes it uses.

docs/websocket.md is the protocol as a client sees it; this module is the server's half.
"""

import json

# Application close codes (4000-4999 are free for applications, RFC 6455 7.4.2).
# Not authenticated, or no longer: the credential expired or was revoked (logout).
CLOSE_UNAUTHENTICATED = 4401
# The client fell too far behind; it reconnects and catches up by cursor (docs/websocket.md).
CLOSE_TOO_SLOW = 4408
# The client kept sending past its rate limit, or the user has too many sockets open.
CLOSE_RATE_LIMITED = 4429
# The server could not write to the socket (RFC 6455: an unexpected condition).
CLOSE_SERVER_ERROR = 1011
# The database or Redis is out of reach at the handshake: reconnect a little later (RFC 6455).
CLOSE_TRY_AGAIN_LATER = 1013
# A client_id longer than this cannot be one (chat/domain/validation.py): it is not echoed.
MAX_CLIENT_ID_LENGTH = 64


def parse_frame(text_data: str | None) -> tuple[dict | None, str | None]:
    """The client's frame, or what is wrong with it."""
    if text_data is None:
        return None, "Send JSON text frames, not binary ones."
    try:
        frame = json.loads(text_data)
    except ValueError:
        return None, "The frame is not valid JSON."
    except RecursionError:
        return None, "The frame is nested too deeply."
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return None, 'A frame is a JSON object with a string "type".'
    return frame, None


def client_id_of(frame: dict | None) -> str | None:
    """The frame's client_id, to echo as `ref` in its answer, if it can be one: never a megabyte."""
    client_id = (frame or {}).get("client_id")
    if isinstance(client_id, str) and len(client_id) <= MAX_CLIENT_ID_LENGTH:
        return client_id
    return None


def encode(event: dict) -> str:
    return json.dumps(event, separators=(",", ":"))


def error_event(code: str, detail: str, ref: str | None = None, **fields) -> dict:
    """An error for the client; `ref` is the client_id of the send it answers, if any."""
    return {"type": "error", "code": code, "detail": detail, "ref": ref, **fields}
