"""The log: each record once, whatever DEBUG says."""

import os
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


@pytest.mark.parametrize("debug", ["true", "false"])
def test_each_record_is_printed_once(debug):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",  # manage.py's, runserver's
        "DJANGO_DEBUG": debug,
        "DJANGO_LOG_LEVEL": "INFO",
    }
    completed = subprocess.run(
        [sys.executable, "-c", LOG_A_RECORD],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    )
    for message in ("logged by Django", "logged by a development server", "logged by the project"):
        assert completed.stderr.count(message) == 1, completed.stderr
