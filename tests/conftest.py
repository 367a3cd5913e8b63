"""Shared by the template's tests: the prompt combinations and a per-worker cache of bakes."""

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
CHOICES = {
    key: value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if isinstance(value, list)
}
COMBINATIONS = [
    dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())
]


def combination_id(answers: dict) -> str:
    docker = "docker" if answers["use_docker"] == "yes" else "nodocker"
    return "-".join([answers["auth"], answers["channel_layer"], answers["room_model"], docker])


def pytest_collection_modifyitems(items):
    """Keep every test of one combination on one xdist worker, so each bakes it once."""
    for item in items:
        answers = getattr(item, "callspec", None) and item.callspec.params.get("answers")
        if answers:
            item.add_marker(pytest.mark.xdist_group(combination_id(answers)))


@pytest.fixture(scope="session")
def bake(cookies_session):
    """bake(answers) -> the generated project's directory, baked once per worker."""
    baked: dict[str, Path] = {}

    def bake_once(answers: dict) -> Path:
        key = combination_id(answers)
        if key not in baked:
            result = cookies_session.bake(extra_context={"project_slug": "chat_server", **answers})
            assert result.exit_code == 0, result.exception
            baked[key] = Path(result.project_path)
        return baked[key]

    return bake_once


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 600):
    """Run a command, failing the test with its output when it fails."""
    try:
        completed = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(
            f"{' '.join(map(str, command))} took over {timeout}s in {cwd}\n"
            f"--- stdout\n{(expired.stdout or b'').decode()[-6000:]}\n"
            f"--- stderr\n{(expired.stderr or b'').decode()[-6000:]}"
        )
    if completed.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, command))} exited {completed.returncode} in {cwd}\n"
            f"--- stdout\n{completed.stdout[-6000:]}\n--- stderr\n{completed.stderr[-6000:]}"
        )
    return completed


def project_env(**overrides: str) -> dict:
    """The environment a generated project's commands run in: ours, minus pytest's own traces."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "VIRTUAL_ENV"))
    }
    return {**env, **overrides}


PYTHON = sys.executable
BIN = Path(sys.executable).parent


@pytest.fixture
def postgres_database():
    """A fresh, uniquely named PostgreSQL database on the local server; dropped afterwards."""
    import psycopg

    admin_url = os.environ.get("TEMPLATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    name = f"bake_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        service_unavailable("PostgreSQL", admin_url, error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{admin_url}/{name}"
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def service_unavailable(name: str, where: str, error: Exception):
    """Fail under CI (a missing service is a broken run); elsewhere skip, saying what to start."""
    message = f"{name} is not reachable at {where} ({error})."
    if os.environ.get("CI") == "true":
        pytest.fail(message + " CI must provide it.")
    pytest.skip(message + " Start it (see README, 'Running the tests') to run this test.")


@pytest.fixture
def services_for(request):
    """services_for(answers): make sure the services a baked project's tests need are up."""

    def check(answers: dict) -> None:
        if answers["channel_layer"] == "redis":
            try:
                socket.create_connection(("127.0.0.1", 6379), timeout=3).close()
            except OSError as error:
                service_unavailable("Redis", "127.0.0.1:6379", error)

    return check


def start_process(command: list[str], cwd: Path, env: dict) -> subprocess.Popen:
    """Start a server command in its own process group, output captured."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop_process(process: subprocess.Popen) -> str:
    """Stop the process and everything it started; returns its output."""
    os.killpg(process.pid, signal.SIGTERM)
    return process.communicate(timeout=30)[0]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    """Wait until `url` answers 200, failing with the process's output if it dies or times out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            pytest.fail(f"{url} never answered:\n{process.communicate()[0][-4000:]}")
        time.sleep(0.3)
