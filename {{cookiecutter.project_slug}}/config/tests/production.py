"""config/settings/production.py read afresh in a given environment."""

import importlib
import os
import sys

# Long and varied enough for the production settings' check of it; read in tests only.
TEST_SECRET_KEY = "only-read-in-tests-" + "abcdefghijklmnopqrstuvwxyz0123456789"


def production_settings(monkeypatch, **environment):
    """The production settings module as this environment makes it (DJANGO_SECRET_KEY is a
    test key and DATABASE_URL the test database's unless given); the settings modules loaded
    before are put back afterwards."""
    monkeypatch.setenv("DJANGO_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("DATABASE_URL", os.environ.get("DATABASE_URL") or "sqlite:///db.sqlite3")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    # Both modules read afresh (base holds ALLOWED_HOSTS); those loaded before are put back.
    package = importlib.import_module("config.settings")
    for name in ("base", "production"):
        monkeypatch.setitem(sys.modules, f"config.settings.{name}", None)
        monkeypatch.delitem(sys.modules, f"config.settings.{name}")
        monkeypatch.setattr(package, name, None, raising=False)
    return importlib.import_module("config.settings.production")
