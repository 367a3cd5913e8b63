"""A write request of the accounts API with a field it does not take is refused, naming the
field, and does nothing (core/request_fields.py): its sender would believe it had."""

from contextlib import suppress

import pytest
from asgiref.sync import async_to_sync
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from .login import LOGIN_PATH
from .rest_status import as_environ, rest_status

pytestmark = pytest.mark.django_db


def assert_refused_naming(response, field: str) -> None:
    assert response.status_code == 400, response.data
    assert list(response.data) == [field], response.data
    assert response.data[field][0].startswith("Not a field of this request")


def test_registering_with_a_field_it_does_not_take_creates_no_one(api_client, django_user_model):
    body = {"username": "newcomer", "password": "a-long-enough-passphrase-91", "is_staff": True}
    assert_refused_naming(api_client.post("/api/auth/register/", body, format="json"), "is_staff")
    assert not django_user_model.objects.filter(username="newcomer").exists()


def test_signing_in_with_a_field_it_does_not_take_is_refused(api_client, user, password):
    body = {"username": user.username, "password": password, "remember_me": True}
    assert_refused_naming(api_client.post(LOGIN_PATH, body, format="json"), "remember_me")


def test_password_and_deletion_requests_with_a_field_they_do_not_take_change_nothing(
    as_user, user, password
):
    client = as_user(user)
    change = {"current_password": password, "new_password": "another-passphrase-52", "otp": 1}
    assert_refused_naming(client.post("/api/auth/password/", change, format="json"), "otp")
    deletion = {"password": password, "reason": "bored"}
    assert_refused_naming(client.delete("/api/auth/me/", deletion, format="json"), "reason")
    user.refresh_from_db()
    assert user.check_password(password)


def routes(*names: str) -> list[str]:
    """The paths of those of these routes that this auth mode has."""
    paths = []
    for name in names:
        with suppress(NoReverseMatch):
            paths.append(reverse(name))
    return paths


@pytest.mark.parametrize("path", routes("logout", "logoutall", "ws-ticket"))
def test_a_request_that_takes_no_field_refuses_one_and_its_credential_goes_on(
    path, user, ws_credentials
):
    headers = async_to_sync(ws_credentials)(user)
    refused = APIClient().post(path, {"everywhere": False}, format="json", **as_environ(headers))
    assert_refused_naming(refused, "everywhere")
    assert rest_status(headers) == 200
