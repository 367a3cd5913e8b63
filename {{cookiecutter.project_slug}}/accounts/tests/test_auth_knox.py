"""Knox mode: one expiring token per login; logout ends one, logoutall ends every one."""

import pytest
from knox.models import AuthToken


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
def test_logoutall_ends_every_token(api_client, user, password):
    first, second = login(api_client, user, password), login(api_client, user, password)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.post("/api/auth/logoutall/").status_code == 204
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get("/api/auth/me/").status_code == 401


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/login/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert not AuthToken.objects.exists()
