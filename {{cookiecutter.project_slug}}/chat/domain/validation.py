"""Values from clients made safe to store: each one checked, or refused naming its field."""

from django.conf import settings

from core.text import MAX_ID, is_storable, shows

from .errors import Invalid


def clean_text(value, field: str) -> str:
    """A string the database can store, or Invalid naming the field."""
    if not isinstance(value, str):
        raise Invalid(f"{field} must be a string.", field)
    if not is_storable(value):
        raise Invalid(f"{field} must be text without NUL characters or lone surrogates.", field)
    return value


def clean_id(value, field: str) -> int:
    """An id as the client gave it: an integer in the database's range, or Invalid."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise Invalid(f"{field} must be an integer id (1 to 2**63 - 1).", field)
    return value


def clean_body(body, allow_empty: bool = False) -> str:
    """`allow_empty`: a message that carries attachments may have no text."""
    body = clean_text(body, "body").strip()
    if not any(map(shows, body)):
        body = ""  # zero-width spaces and the like: nothing to read
    if not body and not allow_empty:
        raise Invalid("body must not be empty.", "body")
    limit = settings.CHAT_MAX_MESSAGE_LENGTH
    if len(body) > limit:
        raise Invalid(f"body must be at most {limit} characters.", "body")
    return body


def clean_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64:
        raise Invalid(
            "client_id must be a string of 1 to 64 characters (a UUID, say).", "client_id"
        )
    return clean_text(client_id, "client_id")
