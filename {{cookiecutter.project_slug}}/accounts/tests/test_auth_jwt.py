"""JWT mode: obtain, refresh (rotating), verify, and logout by blacklisting the refresh token,
which refuses that login's access tokens and closes its sockets."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import F
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import jwt_authentication
from accounts.auth_jwt import RefreshSerializer, resolve_access_token
from accounts.tests.live_sockets import (
    close_code,
    logout_closes_only_that_logins_socket,
    open_real_socket,
)
from chat.realtime.frames import CLOSE_UNAUTHENTICATED
from core.testing import HttpClient


def obtain(api_client, user, password) -> dict:
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.data
    return response.data


@pytest.mark.django_db
def test_a_password_change_ends_every_refresh_token_of_the_user(api_client, user, password):
    phone, laptop = obtain(api_client, user, password), obtain(api_client, user, password)
    rotated = api_client.post(
        "/api/auth/token/refresh/", {"refresh": laptop["refresh"]}, format="json"
    )
    user.set_password("another-horse-battery-staple")
    user.save()
    for refresh in (phone["refresh"], rotated.data["refresh"]):
        answer = api_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")
        assert answer.status_code == 401


@pytest.mark.django_db
def test_a_refresh_token_older_than_the_users_credentials_renews_nothing(
    api_client, user, password
):
    """Even one the blacklisting missed (a login racing a sign-out everywhere): it carries the
    credentials version it was issued under."""
    tokens = obtain(api_client, user, password)
    get_user_model().objects.filter(pk=user.pk).update(
        credentials_version=F("credentials_version") + 1
    )
    refused = api_client.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert (refused.status_code, refused.data["code"]) == (401, "token_not_valid")


@pytest.mark.django_db(transaction=True)  # the socket's lookup closes connections as it goes
def test_a_password_change_ends_the_access_tokens_already_issued(api_client, user, password):
    """On REST and for a socket's handshake or in-band refresh, not minutes later; a profile
    change ends nothing."""
    access = obtain(api_client, user, password)["access"]
    minted = api_client.post(
        "/api/auth/token/refresh/", {"refresh": obtain(api_client, user, password)["refresh"]}
    ).data["access"]
    user.display_name = "Alice"
    user.save()
    assert async_to_sync(resolve_access_token)(access).user == user
    user.set_password("another-horse-battery-staple")
    user.save()
    for token in (access, minted):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        refused = api_client.get("/api/auth/me/")
        assert refused.status_code == 401
        assert "sign-ins ended" in refused.data["detail"]
        assert refused.data["code"] == "token_not_valid"  # as simplejwt's own refusals
        assert async_to_sync(resolve_access_token)(token) is None
    api_client.credentials()
    fresh = obtain(api_client, user, "another-horse-battery-staple")["access"]
    assert async_to_sync(resolve_access_token)(fresh).user == user
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {fresh}")
    assert api_client.get("/api/auth/me/").status_code == 200


def refreshed(api_client, refresh: str):
    return api_client.post("/api/auth/token/refresh/", {"refresh": refresh}, format="json")


@pytest.mark.django_db
def test_a_refresh_token_is_good_for_one_refresh(api_client, user, password):
    refresh = obtain(api_client, user, password)["refresh"]
    assert refreshed(api_client, refresh).status_code == 200
    again = refreshed(api_client, refresh)
    assert (again.status_code, again.data["code"]) == (401, "token_not_valid")


@pytest.mark.django_db
def test_of_two_refreshes_with_one_token_at_once_only_the_first_gets_new_tokens(
    api_client, user, password, monkeypatch
):
    """The second found the token good before the first blacklisted it, as two at the same
    instant do (a duplicated browser tab): it is refused, and the login has one refresh token."""
    refresh = obtain(api_client, user, password)["refresh"]
    first = []

    class CheckedAsAnotherRefreshRuns(RefreshToken):
        def __init__(self, token, *args, **kwargs):
            super().__init__(token, *args, **kwargs)
            if not first:
                first.append(None)
                first[0] = refreshed(api_client, token)

    monkeypatch.setattr(RefreshSerializer, "token_class", CheckedAsAnotherRefreshRuns)
    second = refreshed(api_client, refresh)
    assert first[0].status_code == 200
    assert (second.status_code, second.data["code"]) == (401, "token_not_valid")
    assert refreshed(api_client, first[0].data["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)  # a logout is recorded once it commits
def test_logout_ends_every_refresh_token_of_its_login_for_good(api_client, user, password):
    """Should a login hold two (a copy refreshed before refreshes were once only), neither mints
    tokens after the logout, also once the logout's record for access tokens is gone."""
    phone, laptop = obtain(api_client, user, password), obtain(api_client, user, password)
    copy = RefreshToken(phone["refresh"])
    copy.set_jti()
    copy.outstand()
    assert api_client.post("/api/auth/logout/", {"refresh": phone["refresh"]}).status_code == 200
    # This login's record only: the cache (Redis) is shared with other test runs.
    assert cache.delete(jwt_authentication.ended_login_key(copy[jwt_authentication.LOGIN_CLAIM]))
    refused = refreshed(api_client, str(copy))
    assert (refused.status_code, refused.data["code"]) == (401, "token_not_valid")
    assert refreshed(api_client, laptop["refresh"]).status_code == 200


@pytest.mark.django_db(transaction=True)  # the socket's lookup closes connections as it goes
def test_logout_refuses_the_access_tokens_of_that_login_at_once(api_client, user, password):
    """On REST and for a socket's handshake, not when they expire; another login of the same
    user keeps working."""
    phone, laptop = obtain(api_client, user, password), obtain(api_client, user, password)
    renewed = api_client.post("/api/auth/token/refresh/", {"refresh": phone["refresh"]}).data
    logout = api_client.post("/api/auth/logout/", {"refresh": renewed["refresh"]})
    assert logout.status_code == 200
    for token in (phone["access"], renewed["access"]):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        refused = api_client.get("/api/auth/me/")
        assert refused.status_code == 401
        assert "logged out" in refused.data["detail"]
        assert refused.data["code"] == "token_not_valid"
        assert api_client.post("/api/auth/ws-ticket/").status_code == 401
        assert async_to_sync(resolve_access_token)(token) is None
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {laptop['access']}")
    assert api_client.get("/api/auth/me/").status_code == 200
    assert async_to_sync(resolve_access_token)(laptop["access"]).user == user


@pytest.mark.django_db
def test_a_cache_that_fails_leaves_access_tokens_working_and_says_so(
    api_client, user, password, monkeypatch, caplog
):
    """Refusing every access token while the cache is away would sign everybody out: the
    check lets them through, as before a logout could end them, and logs it."""
    access = obtain(api_client, user, password)["access"]

    def unreachable(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(jwt_authentication.cache, "get", unreachable)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert api_client.get("/api/auth/me/").status_code == 200
    assert "could not check a login against logouts" in caplog.text


@pytest.mark.django_db
def test_the_refresh_token_of_a_deleted_account_is_refused(api_client, user, password):
    """401, as for an inactive account: simplejwt alone answered 500."""
    tokens = obtain(api_client, user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert (
        api_client.delete("/api/auth/me/", {"password": password}, format="json").status_code == 204
    )
    api_client.credentials()
    refused = api_client.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert (refused.status_code, str(refused.data["detail"])) == (
        401,
        "No active account found for the given token.",
    )


@pytest.mark.django_db
def test_obtain_me_refresh_verify_logout(api_client, user, password):
    tokens = obtain(api_client, user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api_client.get("/api/auth/me/").data["id"] == user.pk
    api_client.credentials()

    verify = api_client.post("/api/auth/token/verify/", {"token": tokens["access"]}, format="json")
    assert verify.status_code == 200

    refreshed = api_client.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert refreshed.data["refresh"] != tokens["refresh"]  # rotated
    replay = api_client.post(
        "/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert replay.status_code == 401  # the old refresh token was blacklisted

    logout = api_client.post(
        "/api/auth/logout/", {"refresh": refreshed.data["refresh"]}, format="json"
    )
    assert logout.status_code == 200
    after = api_client.post(
        "/api/auth/token/refresh/", {"refresh": refreshed.data["refresh"]}, format="json"
    )
    assert after.status_code == 401


@pytest.mark.django_db
def test_obtain_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 401
    assert "access" not in response.data


def verified(api_client, token: str):
    return api_client.post("/api/auth/token/verify/", {"token": token}, format="json")


@pytest.mark.django_db(transaction=True)  # a logout is recorded once it commits
def test_verify_refuses_what_a_request_would_refuse(api_client, user, password):
    """The access token of a login that logged out, any token from before a password change,
    the tokens of a deactivated account: 401 with the reason, as a request with them gets.
    Before, verify answered 200 for all but the blacklisted refresh token."""
    phone, laptop = obtain(api_client, user, password), obtain(api_client, user, password)
    assert api_client.post("/api/auth/logout/", {"refresh": phone["refresh"]}).status_code == 200
    refused = verified(api_client, phone["access"])
    assert refused.status_code == 401
    assert "logged out" in refused.data["detail"]
    assert verified(api_client, laptop["access"]).status_code == 200
    assert verified(api_client, laptop["refresh"]).status_code == 200

    user.set_password("another-horse-battery-staple")
    user.save()
    refused = verified(api_client, laptop["access"])
    assert (refused.status_code, "sign-ins ended" in refused.data["detail"]) == (401, True)
    # Blacklisted by the change: simplejwt alone answered 400 for it.
    refused = verified(api_client, laptop["refresh"])
    assert (refused.status_code, refused.data["detail"]) == (401, "Token is blacklisted")

    fresh = obtain(api_client, user, "another-horse-battery-staple")
    assert verified(api_client, fresh["access"]).status_code == 200
    user.is_active = False
    user.save()
    for token in (fresh["access"], fresh["refresh"]):
        assert verified(api_client, token).status_code == 401


@pytest.mark.django_db
def test_verify_rejects_a_forged_token(api_client):
    response = api_client.post("/api/auth/token/verify/", {"token": "a.b.c"}, format="json")
    assert response.status_code == 401


@pytest.mark.django_db(transaction=True)
async def test_logout_closes_the_sockets_of_that_login_only(
    live_server_host, user, password, http_session
):
    await logout_closes_only_that_logins_socket(live_server_host, user, password, http_session)


@pytest.mark.django_db(transaction=True)
async def test_logout_after_refreshes_closes_the_sockets_of_the_whole_login(
    live_server_host, user, password
):
    host = live_server_host
    client = HttpClient(f"http://{host}")
    credentials = {"username": user.username, "password": password}
    _, first = await asyncio.to_thread(client.request, "POST", "/api/auth/token/", credentials)
    refresh = {"refresh": first["refresh"]}
    _, second = await asyncio.to_thread(client.request, "POST", "/api/auth/token/refresh/", refresh)
    sockets = [
        await open_real_socket(host, [("Authorization", f"Bearer {tokens['access']}")])
        for tokens in (first, second)
    ]
    # The rotated refresh token ends the login its first access token came from too.
    refresh = {"refresh": second["refresh"]}
    status, _ = await asyncio.to_thread(client.request, "POST", "/api/auth/logout/", refresh)
    assert status == 200
    for socket in sockets:
        assert await close_code(socket) == CLOSE_UNAUTHENTICATED
