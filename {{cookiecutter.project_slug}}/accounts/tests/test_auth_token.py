"""DRF token mode: obtain and delete the token over REST (sockets: test_credential_sockets.py);
deleting it closes its sockets."""

import asyncio

import pytest
from rest_framework.authtoken.models import Token

from accounts.tests.live_sockets import close_code, open_real_socket
from chat.realtime.frames import CLOSE_UNAUTHENTICATED


@pytest.mark.django_db
def test_token_me_logout(api_client, user, password):
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200
    key = response.data["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/auth/me/").data["id"] == user.pk

    assert api_client.post("/api/auth/logout/").status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.django_db
def test_a_password_change_ends_the_token(api_client, user, password):
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.data['token']}")
    user.set_password("another-horse-battery-staple")
    user.save()
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.django_db
def test_a_request_finds_its_token_by_a_statement_compiled_once(
    api_client, user, bob, compiled_models
):
    keys = {someone: Token.objects.create(user=someone).key for someone in (user, bob)}
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user]}")
    api_client.get("/api/auth/me/")  # compiled here, if not before
    compiled_models.clear()
    for someone, key in keys.items():
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get("/api/auth/me/").data["id"] == someone.pk
    assert Token not in compiled_models
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 40}")
    refused = api_client.get("/api/auth/me/")
    assert (refused.status_code, refused.data["detail"]) == (401, "Invalid token.")
    # Deactivating an account ends its tokens; one left behind is refused all the same.
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {keys[bob]}")
    refused = api_client.get("/api/auth/me/")
    assert (refused.status_code, refused.data["detail"]) == (401, "User inactive or deleted.")


@pytest.mark.django_db
def test_token_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.data


@pytest.mark.django_db(transaction=True)
async def test_logout_closes_every_socket_of_the_token(
    live_server_host, user, password, http_session
):
    # One token per user: two logins share it, and so do their sockets.
    host = live_server_host
    logins = [await asyncio.to_thread(http_session, host, user.username, password) for _ in "ab"]
    sockets = [await open_real_socket(host, login.headers) for login in logins]
    assert await asyncio.to_thread(logins[0].logout, host) == 204
    for socket in sockets:
        assert await close_code(socket) == CLOSE_UNAUTHENTICATED
