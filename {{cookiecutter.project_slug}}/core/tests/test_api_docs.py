"""The API's schema and docs pages: public only when API_DOCS_PUBLIC says so, and served
whole by this server (Swagger UI and ReDoc from drf-spectacular-sidecar, nothing from a CDN)."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_docs_are_for_signed_in_users_unless_public(api_client, user, settings, path):
    settings.API_DOCS_PUBLIC = False
    assert api_client.get(path).status_code in (401, 403)
    api_client.force_authenticate(user)
    assert api_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_a_browser_signed_in_to_the_admin_reads_the_docs_in_every_auth_mode(
    client, admin_user, settings, path
):
    settings.API_DOCS_PUBLIC = False
    assert client.get(path).status_code in (401, 403)
    client.force_login(admin_user)  # a session, the one credential a browser sends by itself
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
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


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_nothing_from_other_sites_and_run_no_inline_script(
    client, settings, path
):
    settings.API_DOCS_PUBLIC = True
    page = client.get(path)
    html = page.content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses, html
    assert all(address.startswith("/") for address in addresses), addresses
    # Its own icon, served below: without one, the browser asks for /favicon.ico, a 404.
    assert re.search(r'<link rel="icon" href="/static/', html), html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "style-src 'self' 'unsafe-inline'" in policy  # the pages' own style elements
    # ReDoc's search worker comes from a blob: URL; nothing else may start one.
    assert ("worker-src 'self' blob:" in policy) == (path == "/api/redoc/")
    for address in addresses:
        if address.startswith("/static/"):
            assert client.get(address).status_code == 200, address


def test_the_swagger_ui_script_is_served_by_the_docs_page_itself(client, settings):
    settings.API_DOCS_PUBLIC = True
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
