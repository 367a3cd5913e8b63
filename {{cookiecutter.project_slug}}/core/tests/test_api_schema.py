"""The REST API against its own OpenAPI schema (schemathesis), on a real server process: no
server error, and no answer (status, content type, body) that the schema does not describe.

A longer run: SCHEMATHESIS_EXAMPLES=1000 uv run pytest -m fuzz core/tests/test_api_schema.py
"""

import os

import pytest
import schemathesis
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from core.testing import HttpClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
# Not checked: whether every request the schema allows is accepted (ids drawn at random name no
# row, and are rightly 404s) and every one it forbids refused (the server reads some forbidden
# values, such as ?offset=null, as their default rather than refusing them).
LENIENT_INPUT = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture
def signed_in(live_server_host, user, password, http_login) -> dict:
    """Headers that authenticate `user` on the server as the README says."""
    headers = dict(http_login(live_server_host, user.username, password))
    if "Cookie" in headers:
        # Session mode: unsafe methods also need the CSRF cookie and its token.
        client = HttpClient(f"http://{live_server_host}")
        _, body = client.request("GET", "/api/auth/csrf/")
        headers["Cookie"] += (
            f"; {settings.CSRF_COOKIE_NAME}={client.cookie(settings.CSRF_COOKIE_NAME)}"
        )
        headers["X-CSRFToken"] = body["csrfToken"]
    return headers


# The schema as /api/schema/ serves it, generated in this process (Django is set up by now).
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_schema_describes(case, live_server_host, signed_in):
    case.call_and_validate(
        base_url=f"http://{live_server_host}", headers=signed_in, excluded_checks=LENIENT_INPUT
    )
