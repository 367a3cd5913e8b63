import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_health_checks_the_database(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_wait_for_database_returns_once_the_database_answers(capsys):
    call_command("wait_for_database", "--timeout", "5")
    assert "database is ready" in capsys.readouterr().out
