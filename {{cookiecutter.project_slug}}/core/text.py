"""What text and numbers from clients a database can store."""

import re

# What no database column can hold: NUL (PostgreSQL refuses it) and lone surrogates, which are
# not Unicode text at all (JSON's "\ud800" escapes make them; UTF-8 cannot encode them).
UNSTORABLE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")
# The largest value of a BIGINT primary key: a larger number names no row, and SQLite raises
# OverflowError on it rather than finding nothing.
MAX_ID = 2**63 - 1
# An id in a URL or a query string: at most 18 digits, so always within MAX_ID.
ID_PATTERN = "[0-9]{1,18}"


def is_storable(text: str) -> bool:
    return UNSTORABLE_CHARACTERS.search(text) is None
