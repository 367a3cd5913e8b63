"""The ways the domain refuses a request: REST answers with the status, the socket with an error."""

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
