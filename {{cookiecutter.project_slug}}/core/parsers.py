"""The REST API's JSON parser: bad bodies are 400s, never 500s."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .text import is_storable


class StorableJSONParser(JSONParser):
    """JSON whose every string (keys too) the database can store, nested to a sane depth.

    DRF's parser turns only ValueError into a 400: a body nested thousands deep raises
    RecursionError, and a NUL or a lone surrogate fails later, in the database, as a 500.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error - the body is nested too deeply.") from error
        if not all(is_storable(text) for text in strings_in(data)):
            raise ParseError("JSON parse error - text must not contain NUL or lone surrogates.")
        return data


def strings_in(data):
    """Every string in a parsed JSON document, without recursion (its depth is the client's)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
