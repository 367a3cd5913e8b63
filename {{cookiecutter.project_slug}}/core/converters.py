"""Path converters for the URLs of the API."""

from .text import ID_PATTERN


class IdConverter:
    """A row id in a URL: a number in BIGINT's range; anything longer is a 404, not a 500."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
