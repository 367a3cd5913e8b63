"""Small HTTP helpers for tests that talk to a real server process."""

import json
import urllib.error
import urllib.request
from http.cookiejar import CookieJar


class HttpClient:
    """A JSON client with a cookie jar, as a browser or a script would use the API."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, data=None, headers=None) -> tuple[int, dict]:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        return status, json.loads(raw) if raw else {}

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)


def header_login(host: str, username: str, password: str, *, path: str, field: str, keyword: str):
    """Log in over HTTP; returns the `Authorization` header built from the response's `field`."""
    credentials = {"username": username, "password": password}
    status, body = HttpClient(f"http://{host}").request("POST", path, credentials)
    assert status == 200, body
    return [("Authorization", f"{keyword} {body[field]}")]
