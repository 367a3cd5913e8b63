"""Logging in through this project's auth mode's own endpoint."""

LOGIN_PATH = "/api/auth/{{ 'token' if cookiecutter.auth in ['token', 'jwt'] else 'login' }}/"


def log_in(api_client, username: str, password: str, **headers):
    credentials = {"username": username, "password": password}
    return api_client.post(LOGIN_PATH, credentials, format="json", **headers)
