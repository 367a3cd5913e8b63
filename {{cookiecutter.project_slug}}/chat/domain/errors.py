"""The ways the domain refuses a request: REST answers with the status, the socket with an error."""

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError
from rest_framework.exceptions import APIException


class ChatError(APIException):
    """A refused request. An APIException, so that DRF answers it with its status and code."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        # REST validation errors name their field, as DRF's own do.
        super().__init__({field: [message]} if field else message)

    @property
    def code(self) -> str:
        return self.default_code


class Invalid(ChatError):
    status_code, default_code = 400, "invalid"


class Forbidden(ChatError):
    status_code, default_code = 403, "forbidden"


class NotFound(ChatError):
    status_code, default_code = 404, "not_found"


def gone_meanwhile(error: Exception) -> NotFound | None:
    """The refusal of a change that raced the deletion of what it concerns (a member reacting
    as the room is deleted, marking read as they leave): the database finds the row missing,
    by a lookup or by a foreign key at commit. A moment later the answer would have been "not
    found", and it is that now, rather than a failure of the server. None for other errors."""
    if isinstance(error, ObjectDoesNotExist) or (
        isinstance(error, IntegrityError) and foreign_key_violated(error)
    ):
        return NotFound("It was deleted meanwhile.")
    return None


def foreign_key_violated(error: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE for it, or SQLite's message (it has no codes).
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "23503" or "FOREIGN KEY constraint failed" in str(
        error
    )
