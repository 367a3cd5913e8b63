import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_register_creates_a_user_with_a_hashed_password(api_client, django_user_model, password):
    response = api_client.post(
        "/api/auth/register/",
        {"username": "carol", "email": "carol@example.com", "password": password},
        format="json",
    )
    assert response.status_code == 201, response.data
    assert response.data["username"] == "carol"
    assert "password" not in response.data
    user = django_user_model.objects.get(username="carol")
    assert user.password != password
    assert user.check_password(password)


def test_register_takes_json_only_which_no_other_sites_form_can_post(
    api_client, django_user_model, password
):
    form = {"username": "carol", "password": password}
    for content in ("multipart", None):  # a form's two encodings (None: url-encoded)
        if content is None:
            answer = api_client.post(
                "/api/auth/register/",
                f"username=carol&password={password}",
                content_type="application/x-www-form-urlencoded",
            )
        else:
            answer = api_client.post("/api/auth/register/", form, format=content)
        assert answer.status_code == 415
    assert not django_user_model.objects.filter(username="carol").exists()


def test_register_applies_the_password_validators(api_client, django_user_model):
    response = api_client.post(
        "/api/auth/register/", {"username": "dave", "password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert response.data["password"]  # too short, too common, entirely numeric
    assert not django_user_model.objects.filter(username="dave").exists()


def test_register_refuses_a_taken_username(api_client, user, password):
    response = api_client.post(
        "/api/auth/register/", {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 400
    assert "username" in response.data


def test_register_refuses_a_name_another_user_is_shown_by(api_client, user, password):
    user.display_name = "QueenOfHearts"
    user.save()
    for name in ("queenofhearts", "QueenOfHearts"):
        answer = api_client.post(
            "/api/auth/register/", {"username": name, "password": password}, format="json"
        )
        assert answer.status_code == 400
        assert "shown by that name" in answer.data["username"][0]


def test_me_needs_authentication(api_client):
    assert api_client.get("/api/auth/me/").status_code == 401


def test_me_returns_the_authenticated_user(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.get("/api/auth/me/")
    assert response.status_code == 200
    assert response.data == {
        "id": user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "display_name": "",
        "avatar": None,
    }


def test_an_account_registered_without_an_email_reads_as_the_schema_says(
    api_client, as_user, django_user_model, password
):
    answer = api_client.post(
        "/api/auth/register/", {"username": "carol", "password": password}, format="json"
    )
    assert answer.status_code == 201, answer.data
    me = as_user(django_user_model.objects.get(username="carol")).get("/api/auth/me/")
    assert me.data["email"] == ""
    # What clients generated from the schema accept there: an address, or "".
    schema = SchemaGenerator().get_schema(request=None, public=True)
    email = schema["components"]["schemas"]["User"]["properties"]["email"]
    assert {"type": "string", "maxLength": 0} in email["oneOf"]


def test_a_username_taken_in_another_unicode_form_is_refused(api_client, user, password):
    """Usernames are stored NFKC-normalised: fullwidth letters name the same account."""
    fullwidth = "".join(chr(ord(letter) + 0xFEE0) for letter in user.username)
    answer = api_client.post(
        "/api/auth/register/", {"username": fullwidth, "password": password}, format="json"
    )
    assert answer.status_code == 400
    assert answer.data["username"] == ["A user with that username already exists."]


def test_a_username_taken_while_the_registration_was_checked_is_refused(
    api_client, django_user_model, password, monkeypatch
):
    """Two registrations of one name at once: the one that stores second gets a 400, not a 500."""
    from accounts.serializers import RegisterSerializer

    validate = RegisterSerializer.validate

    def checked_then_taken(self, attrs):
        attrs = validate(self, attrs)
        django_user_model.objects.create_user(username=attrs["username"], password=password)
        return attrs

    monkeypatch.setattr(RegisterSerializer, "validate", checked_then_taken)
    answer = api_client.post(
        "/api/auth/register/", {"username": "racer", "password": password}, format="json"
    )
    assert answer.status_code == 400
    assert answer.data["username"] == ["A user with that username already exists."]
    assert django_user_model.objects.filter(username="racer").count() == 1


def test_a_number_where_text_is_asked_is_refused_not_taken_as_its_digits(
    api_client, as_user, user, password
):
    """{"new_password": 12345678} set a password, and {"display_name": 5} a name, that no client
    had written as text: the API takes strings only, as it does everywhere else."""
    for body, field in (
        ({"username": 12345, "password": password}, "username"),
        ({"username": "dora", "password": 98765432}, "password"),
    ):
        refused = api_client.post("/api/auth/register/", body, format="json")
        assert (refused.status_code, list(refused.data)) == (400, [field])
    client = as_user(user)
    refused = client.patch("/api/auth/me/", {"display_name": 5}, format="json")
    assert (refused.status_code, list(refused.data)) == (400, ["display_name"])
    change = {"current_password": password, "new_password": 98765432}
    refused = client.post("/api/auth/password/", change, format="json")
    assert (refused.status_code, list(refused.data)) == (400, ["new_password"])
    user.refresh_from_db()
    assert (user.display_name, user.check_password(password)) == ("", True)
