"""What the API answers a credential, as a test holds it: handshake headers (`ws_credentials`)."""

from rest_framework.test import APIClient


def rest_status(headers: list[tuple[str, str]]) -> int:
    """The status of GET /api/auth/me/ sent with these headers."""
    environ = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers}
    return APIClient().get("/api/auth/me/", **environ).status_code
