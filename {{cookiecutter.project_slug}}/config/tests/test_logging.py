"""The log: each record once, whatever DEBUG says, each with its time."""

import os
import re
import subprocess
import sys

import pytest

LOG_A_RECORD = """
import django, logging
django.setup()
logging.getLogger("django.request").warning("logged by Django")
logging.getLogger("django.server").info("logged by a development server")
logging.getLogger("chat").warning("logged by the project")
"""


# As the production server runs: uvicorn configures its loggers (config/serve.py's
# --no-access-log among them), then loads the project.
LOG_AS_UVICORN = """
import django, logging
from uvicorn.config import Config
Config("config.asgi:application", access_log=False)
django.setup()
logging.getLogger("uvicorn.error").info("logged by uvicorn")
logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /api/users/?q=secret HTTP/1.1" 200')
"""


def log_from(program: str, **environment: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_LOG_LEVEL": "INFO", **environment},
        timeout=60,
        check=True,
    )
    return completed.stderr


@pytest.mark.parametrize("debug", ["true", "false"])
def test_each_record_is_printed_once(debug):
    # manage.py's settings, runserver's
    log = log_from(LOG_A_RECORD, DJANGO_SETTINGS_MODULE="config.settings.local", DJANGO_DEBUG=debug)
    for message in ("logged by Django", "logged by a development server", "logged by the project"):
        assert log.count(message) == 1, log


def test_the_production_servers_lines_are_printed_once_with_their_time():
    log = log_from(LOG_AS_UVICORN, DJANGO_SETTINGS_MODULE="config.settings.local")
    dated = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO uvicorn.error logged by uvicorn$"
    assert len(re.findall(dated, log, re.MULTILINE)) == 1, log
    assert log.count("logged by uvicorn") == 1, log
    # No line per request, nor what its query says.
    assert "q=secret" not in log, log
