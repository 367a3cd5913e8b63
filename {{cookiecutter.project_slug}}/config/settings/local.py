"""Development settings: DEBUG on, secrets from .env."""

import secrets

from .base import *  # noqa: F403
from .environment import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# daphne first, in development only: its runserver serves HTTP and WebSockets from one process.
# The production server and the tests' server processes are uvicorn, and importing daphne's
# Twisted costs a second at every start.
INSTALLED_APPS = ["daphne", *INSTALLED_APPS]  # noqa: F405
# The API's schema and docs pages are for anyone in development.
API_DOCS_PUBLIC = env.bool("DJANGO_API_DOCS_PUBLIC", default=True)


def _new_local_secret_key() -> str:
    """A fresh clone has no .env (it is git-ignored): give this checkout its own key."""
    key = secrets.token_urlsafe(50)
    with (BASE_DIR / ".env").open("a") as env_file:
        env_file.write(f"DJANGO_SECRET_KEY={key}\n")
    return key


# The generator wrote one into .env; never shared, never committed.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _new_local_secret_key()
