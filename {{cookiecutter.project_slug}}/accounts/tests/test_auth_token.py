"""DRF token mode: obtain and delete the token over REST (sockets: test_credential_sockets.py)."""

import pytest
from rest_framework.authtoken.models import Token


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
def test_token_with_a_wrong_password_is_refused(api_client, user):
    response = api_client.post(
        "/api/auth/token/", {"username": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.data
