"""One account per username in any case: "Alice" beside alice would pass for her in every room.
The API, the admin and the database all refuse her, and alice logs in however she types it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.tests.login import log_in

pytestmark = pytest.mark.django_db

TAKEN = "A user with that username already exists."


def test_registering_a_username_in_another_case_or_width_is_refused(
    api_client, user, password, django_user_model
):
    for name in ("Alice", "ALICE", "\uff21lice"):  # the last with a fullwidth A
        answer = api_client.post(
            "/api/auth/register/", {"username": name, "password": password}, format="json"
        )
        assert (answer.status_code, answer.data.get("username")) == (400, [TAKEN]), name
    assert list(django_user_model.objects.values_list("username", flat=True)) == ["alice"]


def test_a_username_of_look_alike_letters_from_two_scripts_is_refused(
    api_client, admin_client, user, password, django_user_model
):
    """Case and width folded, alice with a Cyrillic first letter is still not alice: it is
    refused for mixing scripts, at registration and in the admin. One script, any script, is
    fine, as is a name no letter of which looks like another script's."""
    look_alike = "\u0430lice"
    answer = api_client.post(
        "/api/auth/register/", {"username": look_alike, "password": password}, format="json"
    )
    assert answer.status_code == 400
    assert "look-alike letters" in answer.data["username"][0]
    added = admin_client.post(
        "/admin/users/user/add/",
        {"username": look_alike, "password1": password, "password2": password},
    )
    assert "look-alike letters" in added.content.decode()
    assert not django_user_model.objects.filter(username=look_alike).exists()
    for name in ("\u0430\u043d\u043d\u0430", "jos\u00e9", "\u674e\u96f7"):  # анна, josé, 李雷
        answer = api_client.post(
            "/api/auth/register/", {"username": name, "password": password}, format="json"
        )
        assert answer.status_code == 201, (name, answer.data)


def test_the_database_and_the_admins_forms_refuse_it_too(
    admin_client, user, bob, password, django_user_model
):
    with pytest.raises(IntegrityError), transaction.atomic():
        django_user_model.objects.create_user(username="ALICE", password=password)
    added = admin_client.post(
        "/admin/users/user/add/",
        {"username": "Alice", "password1": password, "password2": password},
    )
    assert added.status_code == 200  # the form again, with its error
    assert TAKEN in added.content.decode()
    # The admin's change form validates the model's constraints, as full_clean() does.
    bob.username = "aLiCe"
    with pytest.raises(ValidationError) as refused:
        bob.full_clean()
    assert TAKEN in str(refused.value)
    assert django_user_model.objects.filter(username__iexact="alice").count() == 1


def test_a_user_logs_in_however_they_type_their_username(api_client, user, password):
    for typed in ("alice", "ALICE", "Alice", "\uff41lice"):
        assert log_in(api_client, typed, password).status_code == 200, typed
    assert log_in(api_client, "alicia", password).status_code in (400, 401)
