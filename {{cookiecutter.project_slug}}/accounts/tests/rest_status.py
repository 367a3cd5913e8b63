"""What the API answers a credential, as a test holds it: handshake headers (`ws_credentials`)."""

from rest_framework.test import APIClient


def as_environ(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Headers as the test client takes them."""
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers}


def rest_status(headers: list[tuple[str, str]]) -> int:
    """The status of GET /api/auth/me/ sent with these headers."""
    return APIClient().get("/api/auth/me/", **as_environ(headers)).status_code
