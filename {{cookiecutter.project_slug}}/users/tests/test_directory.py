"""GET /api/users/?q=: finding people by username or display name, a page at a time."""

import pytest

from accounts.tests.throttling import use_production_throttle_rates

pytestmark = pytest.mark.django_db


def usernames(response) -> list[str]:
    return [found["username"] for found in response.data["results"]]


def test_matches_username_or_display_name_in_any_case(as_user, user, make_user):
    make_user("bobby")
    make_user("carol", display_name="Robin Hood")
    make_user("dave")
    client = as_user(user)
    response = client.get("/api/users/", {"q": "ROB"})
    assert response.status_code == 200
    assert usernames(response) == ["carol"]
    assert usernames(client.get("/api/users/", {"q": "bob"})) == ["bobby"]
    assert response.data["results"][0] == {
        "id": response.data["results"][0]["id"],
        "username": "carol",
        "display_name": "Robin Hood",
        "avatar": None,
    }


def test_inactive_users_and_the_searcher_are_left_out(as_user, user, make_user):
    make_user("alina")
    make_user("alix", is_active=False)
    assert usernames(as_user(user).get("/api/users/", {"q": "ali"})) == ["alina"]


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "x" * 151}, {"q": "ab\x00"}])
def test_a_missing_or_bad_query_is_refused(as_user, user, query):
    response = as_user(user).get("/api/users/", query)
    assert response.status_code == 400
    assert list(response.data) == ["q"]


def test_a_query_too_short_to_search_by_finds_that_very_username(as_user, user, make_user):
    """A two-letter name can be found, but two letters list nobody else: a letter at a time
    would list everyone."""
    make_user("jo")
    make_user("jonas")
    make_user("bob", display_name="Jo")
    assert usernames(as_user(user).get("/api/users/", {"q": "JO"})) == ["jo"]
    assert usernames(as_user(user).get("/api/users/", {"q": "j"})) == []
    assert usernames(as_user(user).get("/api/users/", {"q": "jon"})) == ["jonas"]


def test_results_come_twenty_a_page_at_most(as_user, user, make_user):
    for n in range(25):
        make_user(f"user{n:02}")
    client = as_user(user)
    first = client.get("/api/users/", {"q": "user", "limit": 200})
    assert (first.data["count"], len(first.data["results"])) == (25, 20)
    rest = client.get(first.data["next"])
    assert usernames(rest) == ["user20", "user21", "user22", "user23", "user24"]


def test_signed_in_users_only(api_client):
    assert api_client.get("/api/users/", {"q": "alice"}).status_code in (401, 403)


def test_searches_are_throttled_per_user(settings, as_user, user, make_user):
    use_production_throttle_rates(settings, user_search="3/minute")
    client = as_user(user)
    statuses = [client.get("/api/users/", {"q": "bob"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert int(client.get("/api/users/", {"q": "bob"})["Retry-After"]) > 0
    # Someone else's budget is their own.
    assert as_user(make_user("bob")).get("/api/users/", {"q": "ali"}).status_code == 200
