"""The production settings stop the server on a secret key that is missing, empty or weak."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.tests.production import TEST_SECRET_KEY, production_settings


@pytest.mark.parametrize("key", ["", "x", "short-but-not-empty", "a" * 60])
def test_a_secret_key_that_is_empty_short_or_repetitive_stops_the_server(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be"):
        production_settings(monkeypatch, DJANGO_SECRET_KEY=key)


def test_a_long_varied_secret_key_is_taken(monkeypatch):
    assert production_settings(monkeypatch).SECRET_KEY == TEST_SECRET_KEY
