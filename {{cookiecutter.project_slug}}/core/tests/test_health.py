import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.mark.django_db
def test_health_checks_every_backing_service(client, settings):
    response = client.get("/healthz/")
    assert response.status_code == 200
    services = {"database": "ok", **({"redis": "ok"} if settings.REDIS_URL else {})}
    assert response.json() == {"status": "ok", "checks": services}


@pytest.mark.django_db
def test_a_probe_over_plain_http_to_the_processs_own_address_is_answered(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production
    settings.ALLOWED_HOSTS = ["chat.example.com"]
    response = client.get("/healthz/", HTTP_HOST="10.0.0.5:8000")
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    # Everything else still goes through the redirect and the Host check.
    assert client.get("/api/schema/", HTTP_HOST="chat.example.com").status_code == 301
    assert client.get("/api/schema/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_the_database_out_of_reach_is_a_503_that_names_it(client, monkeypatch, caplog):
    def database_down(connection):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", database_down)
    response = client.get("/healthz/")
    assert (response.status_code, response.json()["status"]) == (503, "unavailable")
    assert response.json()["checks"]["database"] == "unreachable"
    assert "5432" not in response.content.decode()  # the error stays in the log
    assert "health check: database out of reach" in caplog.text


@pytest.mark.django_db
def test_wait_for_database_returns_once_the_database_answers(capsys):
    call_command("wait_for_database", "--timeout", "5")
    assert "database is ready" in capsys.readouterr().out
