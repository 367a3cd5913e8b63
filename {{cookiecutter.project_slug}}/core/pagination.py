"""Paging for the REST API's lists: `?limit=` and `?offset=` bounded, whatever the client asks."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination

from .text import MAX_ID


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    # A client cannot ask for a whole table in one page.
    max_limit = settings.REST_MAX_PAGE_SIZE

    def get_offset(self, request) -> int:
        # Past any row, and small enough that offset + limit stays a BIGINT (SQLite raises
        # OverflowError on larger numbers rather than finding nothing).
        return min(super().get_offset(request), MAX_ID // 2)
