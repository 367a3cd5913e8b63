"""The production settings stop the server on a secret key that is missing, empty or weak, and
on a database left unnamed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.tests.production import TEST_SECRET_KEY, production_settings


@pytest.mark.parametrize("key", ["", "x", "short-but-not-empty", "a" * 60])
def test_a_secret_key_that_is_empty_short_or_repetitive_stops_the_server(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be"):
        production_settings(monkeypatch, DJANGO_SECRET_KEY=key)


def test_a_long_varied_secret_key_is_taken(monkeypatch):
    assert production_settings(monkeypatch).SECRET_KEY == TEST_SECRET_KEY


def test_a_database_left_unnamed_stops_the_server_instead_of_falling_back_to_sqlite(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL is not set"):
        production_settings(monkeypatch, DATABASE_URL="")


def test_sqlite_is_taken_when_named(monkeypatch):
    settings = production_settings(monkeypatch, DATABASE_URL="sqlite:////var/lib/chat/db.sqlite3")
    assert settings.DATABASES["default"]["NAME"] == "/var/lib/chat/db.sqlite3"
