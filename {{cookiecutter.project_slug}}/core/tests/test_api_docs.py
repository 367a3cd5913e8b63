"""The API's schema and docs pages: public only when API_DOCS_PUBLIC says so."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_docs_are_for_signed_in_users_unless_public(api_client, user, settings, path):
    settings.API_DOCS_PUBLIC = False
    assert api_client.get(path).status_code in (401, 403)
    api_client.force_authenticate(user)
    assert api_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_public_docs_are_for_anyone(api_client, settings, path):
    settings.API_DOCS_PUBLIC = True
    assert api_client.get(path).status_code == 200


def test_the_schema_documents_the_errors_every_endpoint_may_answer(api_client, user):
    api_client.force_authenticate(user)
    schema = api_client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404", "413", "429"} <= set(operation["responses"]), (
                method,
                path,
            )
