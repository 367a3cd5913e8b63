"""The REST API's parsers: bad bodies are 400s, never 500s, and never stored garbled."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

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


class UTF8Fields:
    """Form fields (of a form-encoded or multipart body) that are UTF-8 text. Django decodes
    them with errors="replace": a field that was not UTF-8 came through with U+FFFD in place of
    its bytes, and was stored so, where JSON's parser refused it. U+FFFD itself, which stands
    for bytes lost, is refused with it."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        fields = getattr(parsed, "data", parsed)  # multipart: data and files
        texts = (text for key, values in fields.lists() for text in (key, *values))
        if any("\ufffd" in text or not is_storable(text) for text in texts):
            raise ParseError(
                "Form parse error - fields must be UTF-8 text, without NUL, lone surrogates or "
                "U+FFFD."
            )
        return parsed


class UTF8FormParser(UTF8Fields, FormParser):
    pass


class UTF8MultiPartParser(UTF8Fields, MultiPartParser):
    pass
