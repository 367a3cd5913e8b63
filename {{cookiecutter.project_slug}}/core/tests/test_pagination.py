import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.pagination import BoundedLimitOffsetPagination


def page_of(query: str) -> tuple[list[str], int, bool]:
    """(usernames on the page, the count it reports, whether a COUNT query ran)."""
    paginator = BoundedLimitOffsetPagination()
    request = Request(APIRequestFactory().get(f"/users/{query}"))
    users = get_user_model().objects.filter(username__startswith="paged-").order_by("username")
    with CaptureQueriesContext(connection) as queries:
        page = paginator.paginate_queryset(users, request)
    counted = any('"__count"' in query["sql"] for query in queries.captured_queries)
    return [user.username for user in page], paginator.count, counted


@pytest.fixture
def five_users(db):
    get_user_model().objects.bulk_create(
        get_user_model()(username=f"paged-{index}") for index in range(5)
    )


@pytest.mark.parametrize(
    ("query", "names", "count", "counted"),
    [
        # The page is the whole list, or its end: its length says the count.
        ("?limit=10", [f"paged-{index}" for index in range(5)], 5, False),
        ("?limit=3&offset=3", ["paged-3", "paged-4"], 5, False),
        # A full page may have more rows after it, an empty one may start past them: counted.
        ("?limit=3", ["paged-0", "paged-1", "paged-2"], 5, True),
        ("?limit=5", [f"paged-{index}" for index in range(5)], 5, True),
        ("?limit=3&offset=9", [], 5, True),
    ],
)
def test_a_page_reports_the_lists_count_counting_only_when_the_page_cannot_tell(
    five_users, query, names, count, counted
):
    assert page_of(query) == (names, count, counted)


@pytest.mark.django_db
def test_an_empty_list_is_counted_zero_without_a_count_query():
    assert page_of("?limit=3") == ([], 0, False)
