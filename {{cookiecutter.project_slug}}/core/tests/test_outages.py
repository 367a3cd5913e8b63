"""A request that finds the database out of reach is answered 503 with Retry-After, not 500."""

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down(monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr(CursorWrapper, "execute", refused)


def test_an_api_request_gets_503_and_when_to_retry(as_user, user, database_down, caplog):
    answer = as_user(user).get("/api/rooms/")
    assert answer.status_code == 503
    assert answer.json() == {
        "detail": "The service is briefly unavailable: try again in a few seconds."
    }
    assert int(answer["Retry-After"]) > 0
    assert "a backing service is out of reach" in caplog.text


def test_a_page_gets_503_as_text(client, database_down):
    answer = client.post("/admin/login/", {"username": "alice", "password": "secret"})
    assert (answer.status_code, answer["Content-Type"]) == (503, "text/plain")
    assert int(answer["Retry-After"]) > 0


def test_every_operation_of_the_schema_says_it_may_answer_503():
    """A client generated from the schema knows the answer, and that it is worth retrying."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations
    assert all("Retry-After" in op["responses"]["503"]["description"] for op in operations)
