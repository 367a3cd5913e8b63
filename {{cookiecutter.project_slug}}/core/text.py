"""What text and numbers from clients a database can store."""

import re
import unicodedata

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


# Letters drawn blank (the Hangul fillers): a name of them shows as nothing.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Joins emoji into one (a family, a profession), and shapes some scripts' letters: allowed
# between two such characters, though it shows nothing by itself.
ZERO_WIDTH_JOINER = "\u200d"
# Choose how the character before them is drawn (emoji or text style); after a letter that
# has no such styles, they draw nothing at all.
VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def shows(character: str) -> bool:
    """Whether a character draws something of its own: not a space or line break, a combining
    mark, an invisible format character (zero-width, direction) or a blank letter."""
    category = unicodedata.category(character)
    invisible = category in ("Mn", "Me", "Cf", "Cc") or character in BLANK_LETTERS
    return not (invisible or character.isspace())


def reads_as_written(name: str) -> bool:
    """Whether a name shows what it is: no control character, no invisible or text-direction
    character (zero-width spaces, marks, overrides and isolates, which can make a name read as
    another beside other text: "evil\u202etxt.exe"), no line break, and something visible."""
    visible = False
    for at, character in enumerate(name):
        category = unicodedata.category(character)
        if category in ("Cc", "Zl", "Zp") or character in BLANK_LETTERS:
            return False
        if category == "Cf" and not (character == ZERO_WIDTH_JOINER and joins(name, at)):
            return False
        visible = visible or shows(character)
    return visible


def joins(name: str, at: int) -> bool:
    """Whether the zero-width joiner at `at` stands between two characters it can join: not at
    either end, nor beside a space or an ASCII character, beside which it only hides ("alice"
    and a joiner reads as "alice")."""
    if at == 0 or at == len(name) - 1:
        return False
    return all(
        not (neighbour.isascii() or neighbour.isspace()) for neighbour in name[at - 1 : at + 2 : 2]
    )


def as_drawn(text: str) -> str:
    """The text without the variation selectors it holds, which after a letter draw nothing:
    what to compare with another name it may pass for."""
    return VARIATION_SELECTORS.sub("", text)
