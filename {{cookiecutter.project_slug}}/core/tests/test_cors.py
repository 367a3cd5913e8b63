"""REST calls from browser apps served elsewhere: allowed for the configured origins only."""

import pytest

pytestmark = pytest.mark.django_db


def preflight(client, origin: str):
    return client.options(
        "/api/auth/me/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )


def test_a_configured_origin_may_call_the_api(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = preflight(client, "https://app.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"


def test_other_origins_get_no_cors_headers(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = preflight(client, "https://evil.example")
    assert "Access-Control-Allow-Origin" not in response
