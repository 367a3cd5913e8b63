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

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's page and count, with the count taken from the page where the page shows it.

        A page that starts among the rows and is not full ends where the rows end, so the
        count is its offset plus its length, and the list is not counted again. Counting runs
        every subquery of a list once more: for the room list, a third of what a client
        catching up after a reconnect costs the server.
        """
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.offset = self.get_offset(request)
        page = list(queryset[self.offset : self.offset + self.limit])
        if len(page) < self.limit and (page or self.offset == 0):
            self.count = self.offset + len(page)
        else:
            self.count = self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return page
