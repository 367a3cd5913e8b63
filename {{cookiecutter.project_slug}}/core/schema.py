"""The API schema: who may read it, and the error answers every endpoint may give."""

from django.conf import settings
from django.contrib.auth import get_user
from rest_framework.permissions import BasePermission


class ApiDocsAccess(BasePermission):
    """The schema and its pages: for anyone when API_DOCS_PUBLIC is on, else signed-in users,
    by the API's credential or by a session. A browser sends no token with a page's address:
    in the token modes, signing in to the admin is how one reads the docs in a browser."""

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated):
            return True
        return get_user(request).is_authenticated


ERROR_SCHEMA = {
    "type": "object",
    "description": 'Why the request was refused: {"detail": "..."}, or for invalid fields '
    '{"<field>": ["..."]}.',
    "additionalProperties": True,
}
# Answers any endpoint may give besides its own: refused input (bad JSON, a field), no or a
# bad credential, a refusal, no such object (or one you may not see), a body over
# HTTP_MAX_BODY_BYTES, a throttle, a backing service out of reach (core/outages.py).
ERRORS = {
    "400": "The request is invalid: the answer says which field, or what is wrong.",
    "401": "No credential, or one that is not valid (in session mode, no live session).",
    "403": "Not allowed (or, in session mode, no CSRF token, or a write over HTTPS without an "
    "Origin or Referer of this site).",
    "404": "No such object, or one you may not see.",
    "413": "The request body is larger than HTTP_MAX_BODY_BYTES.",
    "429": "Too many requests: wait as long as Retry-After says.",
    "503": "The database or Redis is briefly out of reach: try again after Retry-After.",
}


def document_errors(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: add ERRORS to every operation that does not say otherwise."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result["paths"].values():
        for operation in operations.values():
            for status, description in ERRORS.items():
                operation["responses"].setdefault(
                    status, {"description": description, "content": content}
                )
    return result
