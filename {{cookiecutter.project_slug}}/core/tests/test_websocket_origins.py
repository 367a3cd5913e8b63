"""Which pages may open the socket under the production settings (core/websocket_origins.py)."""

import pytest

from config.tests.production import production_settings
from core.websocket_origins import CheckOrigin, origin_of


def production_origins(monkeypatch, **environment) -> list[str]:
    """WEBSOCKET_ALLOWED_ORIGINS as config/settings/production.py makes it in this environment."""
    monkeypatch.delenv("DJANGO_WEBSOCKET_ALLOWED_ORIGINS", raising=False)
    hosts = {"DJANGO_ALLOWED_HOSTS": "chat.example.com,.example.org"}
    return production_settings(monkeypatch, **hosts, **environment).WEBSOCKET_ALLOWED_ORIGINS


def allows(origins: list[str], origin: str) -> bool:
    check = CheckOrigin(None, origins)
    return check.valid_origin(origin_of({"headers": [(b"origin", origin.encode())]}))


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("https://chat.example.com", True),
        ("https://chat.example.com:443", True),
        ("https://eu.example.org", True),
        ("http://chat.example.com", False),  # plain HTTP: a network attacker's page
        ("https://chat.example.com:8443", False),  # another program on the host
        ("https://evil.example", False),
    ],
)
def test_behind_tls_only_the_hosts_https_pages_open_sockets(monkeypatch, origin, allowed):
    origins = production_origins(monkeypatch, DJANGO_SECURE_SSL_REDIRECT="true")
    assert allows(origins, origin) is allowed


def test_without_tls_the_hosts_pages_open_sockets(monkeypatch):
    """As the README's command to try production runs it, on http://localhost:8000."""
    origins = production_origins(monkeypatch, DJANGO_SECURE_SSL_REDIRECT="false")
    assert allows(origins, "http://chat.example.com:8000")
    assert not allows(origins, "http://evil.example:8000")


def test_origins_given_are_taken_as_given(monkeypatch):
    origins = production_origins(
        monkeypatch,
        DJANGO_SECURE_SSL_REDIRECT="true",
        DJANGO_WEBSOCKET_ALLOWED_ORIGINS="https://chat.example.com:8443",
    )
    assert allows(origins, "https://chat.example.com:8443")
    assert not allows(origins, "https://chat.example.com")
