"""Searching the messages of the rooms a user belongs to: full-text on PostgreSQL, plain elsewhere.

On PostgreSQL a message matches when its words do, each word of the query matching the words
it begins, or as `websearch` syntax says ("a phrase", -excluded, or), through a GIN index over
the same expression (migration 0002). Other databases
match a case-insensitive substring. Deleted messages and rooms the user is not in never match.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F

from ..models import Message
from .access import membership_for
from .errors import Invalid
from .validation import clean_text

# The text search configuration: "simple" splits words without language-specific stemming,
# which suits rooms where people write in several languages.
SEARCH_CONFIG = "simple"
MAX_QUERY_LENGTH = 200
# websearch's syntax: "a phrase", -excluded, or.
WEBSEARCH_SYNTAX = re.compile(r'"|(?:^|\s)-|\bor\b', re.IGNORECASE)
WORD = re.compile(r"\w+")


def words_of(query: str) -> SearchQuery:
    """Words as someone types them match the words they begin ("meado" finds "meadows"), so
    that results come while typing; a query in `websearch` syntax keeps its meaning."""
    words = WORD.findall(query)
    if WEBSEARCH_SYNTAX.search(query) or not words:
        return SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")
    # Letters, digits and "_" only: nothing of the raw syntax comes from the query.
    prefixes = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(prefixes, config=SEARCH_CONFIG, search_type="raw")


def body_vector() -> SearchVector:
    """The expression the GIN index of migration 0002 is built on: keep them the same."""
    return SearchVector("body", config=SEARCH_CONFIG)


def search_messages(user, query, room_id=None):
    """The user's matching messages, newest first; in one room of theirs if `room_id` is given."""
    query = clean_text(query, "q").strip()
    if not 1 <= len(query) <= MAX_QUERY_LENGTH:
        raise Invalid(f"q must be 1 to {MAX_QUERY_LENGTH} characters.", "q")
    messages = Message.objects.filter(deleted__isnull=True).select_related(
        "sender", "reply_to__sender"
    )
    if room_id is not None:
        messages = messages.filter(room_id=membership_for(user, room_id).room_id)
    # Only what the user may read: a newcomer to a room that hides its history, what came after.
    messages = messages.filter(
        room__memberships__user=user, id__gt=F("room__memberships__history_from")
    ).annotate(reader_history_from=F("room__memberships__history_from"))
    if connection.vendor == "postgresql":
        words = words_of(query)
        messages = messages.annotate(words=body_vector()).filter(words=words)
    else:
        messages = messages.filter(body__icontains=query)
    return messages.order_by("-id")
