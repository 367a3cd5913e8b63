"""Settings for the test suite (pytest-django uses these, see pyproject.toml)."""

import os
import uuid
from pathlib import Path

# Keys in a shared Redis are namespaced per test run, so parallel runs never see each other,
# and per pytest-xdist worker: each has a database of its own, so the same room ids. The server
# processes a test starts inherit the test's prefix.
os.environ.setdefault("REDIS_KEY_PREFIX", f"test-{uuid.uuid4().hex[:12]}")
if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and not os.environ[
    "REDIS_KEY_PREFIX"
].endswith(f"-{_worker}"):
    os.environ["REDIS_KEY_PREFIX"] += f"-{_worker}"

# Files uploaded by tests (and by the server processes they start, which inherit this) stay out
# of the project's own media directory; the attachments tests use a directory per test.
os.environ.setdefault("DJANGO_MEDIA_ROOT", str(Path(__file__).resolve().parents[2] / ".test-media"))

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK
from .environment import BASE_DIR, env

# Not a secret: it only signs data in throw-away test databases.
SECRET_KEY = "test-only-signing-key-not-used-outside-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
WEBSOCKET_ALLOWED_ORIGINS = ALLOWED_HOSTS

# A file, not :memory:, so a server process started by a test shares the test database.
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"]["NAME"] = str(BASE_DIR / ".test-db.sqlite3")

# Every test's connections close when its requests end: a test database must be droppable at
# the end of the run. The test of request threads turns persistence on for itself.
DATABASES["default"]["CONN_MAX_AGE"] = 0

# Whitenoise finds static files as they are asked for, instead of listing every app's at each
# test client's first request (tens of milliseconds each, over hundreds of tests).
WHITENOISE_AUTOREFRESH = True

# Hashing passwords slowly is the point in production and a waste in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests log in far more often than people: throttle tests put base.REST_FRAMEWORK's rates back.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "1000/minute" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}
# Tests send bursts far beyond a person's pace; the rate limit tests set their own limits.
CHAT_RATE_LIMIT_MESSAGES = env("CHAT_RATE_LIMIT_MESSAGES", default="1000000/1")
CHAT_RATE_LIMIT_FRAMES = env("CHAT_RATE_LIMIT_FRAMES", default="1000000/1")
CHAT_RATE_LIMIT_CHARACTERS = env("CHAT_RATE_LIMIT_CHARACTERS", default="1000000000000/1")

# Presence events would interleave with the frames most tests read in order; the presence
# tests turn it on (and pass CHAT_PRESENCE=true to the server processes they start).
CHAT_PRESENCE = env.bool("CHAT_PRESENCE", default=False)
# Offline as the last socket closes, as the tests that read the offline event expect; the test
# of the delay sets its own, and moves its time by hand.
CHAT_PRESENCE_OFFLINE_AFTER_SECONDS = env.float("CHAT_PRESENCE_OFFLINE_AFTER_SECONDS", default=0.0)
# No look at the stored numbers in the background, which reads the database while a test does:
# the test of it makes its looks itself.
CHAT_STORED_CHECK_SECONDS = env.float("CHAT_STORED_CHECK_SECONDS", default=3600.0)
