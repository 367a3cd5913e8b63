"""Knox mode: one expiring token per login; logout ends one, logoutall ends every one, and
with them their sockets."""

import pytest
from knox.models import AuthToken

from accounts.tests.live_sockets import logout_closes_only_that_logins_socket


def login(api_client, user, password):
    response = api_client.post(
        "/api/auth/login/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.data
    assert response.data["expiry"]
    return response.data["token"]


@pytest.mark.django_db
def test_login_me_logout(api_client, user, password):
    token = login(api_client, user, password)
    assert token not in {t.digest for t in AuthToken.objects.all()}  # hashed at rest
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/auth/me/").data["id"] == user.pk

    assert api_client.post("/api/auth/logout/").status_code == 204
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.django_db
def test_a_login_past_the_token_limit_ends_the_oldest_login(api_client, user, password, settings):
    """Every sign-in (a tab's too) is a token: past the limit, knox refused the login, and the
    user was locked out until the oldest expired."""
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    tokens = [login(api_client, user, password) for _ in range(3)]
    assert AuthToken.objects.filter(user=user).count() == 2
    for token, status in zip(tokens, (401, 200, 200), strict=True):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/auth/me/").status_code == status


@pytest.mark.django_db
def test_logoutall_ends_every_token(api_client, user, password):
    first, second = login(api_client, user, password), login(api_client, user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.post("/api/auth/logoutall/").status_code == 204
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.django_db
def test_a_password_change_ends_every_token(api_client, user, password):
    first, second = login(api_client, user, password), login(api_client, user, password)
    user.set_password("another-horse-battery-staple")
    user.save()
    for token in (first, second):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/auth/me/").status_code == 401
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/login/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert not AuthToken.objects.exists()


@pytest.mark.django_db(transaction=True)
async def test_logout_closes_the_sockets_of_that_token_only(
    live_server_host, user, password, http_session
):
    await logout_closes_only_that_logins_socket(live_server_host, user, password, http_session)
