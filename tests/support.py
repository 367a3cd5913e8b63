"""Helpers the template's test modules import: the prompt combinations, running commands,
starting servers. Fixtures live in conftest.py, which pytest loads itself."""

import contextlib
import importlib.util
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parent.parent
PROJECT_TEMPLATE = TEMPLATE / "{{cookiecutter.project_slug}}"
CHOICES = {
    key: value
    for key, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items()
    if isinstance(value, list) and not key.startswith("_")
}
COMBINATIONS = [
    dict(zip(CHOICES, values, strict=True)) for values in itertools.product(*CHOICES.values())
]
PYTHON = sys.executable
BIN = Path(sys.executable).parent


def default_answers() -> dict:
    """cookiecutter.json's defaults, as --no-input would answer (the slug rendered)."""
    from cookiecutter.environment import StrictEnvironment

    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    answers: dict = {}
    for key, value in context.items():
        if key.startswith("_"):
            continue
        if isinstance(value, list):
            answers[key] = value[0]
        else:
            answers[key] = StrictEnvironment().from_string(value).render(cookiecutter=answers)
    return answers


def render(relative: str, answers: dict) -> str:
    """A file of the project template rendered for these answers, without baking."""
    from cookiecutter.environment import StrictEnvironment

    context = {**default_answers(), **answers}
    environment = StrictEnvironment(context={"cookiecutter": context}, keep_trailing_newline=True)
    text = (PROJECT_TEMPLATE / relative).read_text()
    return environment.from_string(text).render(cookiecutter=context)


def template_files() -> set[str]:
    """The project template's files, as paths relative to it."""
    return {
        str(path.relative_to(PROJECT_TEMPLATE))
        for path in PROJECT_TEMPLATE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def covers(listed: str, path: str) -> bool:
    """A path of the hook's removal table covers itself and, for a directory, all under it."""
    return path == listed or path.startswith(listed + "/")


def load_hook(name: str):
    """A hook of hooks/ as a module, not rendered: its functions take the answers as arguments."""
    spec = importlib.util.spec_from_file_location(name, TEMPLATE / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The generated suite's fuzz and fault tests (many generated requests and frames, a Redis
# killed, a flood, against real servers) run on a covering subset: every auth mode, channel
# layer and room model at least once.
FUZZ_COMBINATIONS = [
    {"auth": "session", "channel_layer": "in_memory", "room_model": "group", "use_docker": "no"},
    {"auth": "token", "channel_layer": "redis", "room_model": "both", "use_docker": "no"},
    {"auth": "knox", "channel_layer": "redis", "room_model": "direct", "use_docker": "no"},
    {"auth": "jwt", "channel_layer": "in_memory", "room_model": "both", "use_docker": "no"},
]

# The web client's tests (Chromium; two thirds of a covering suite's time) run whole on the
# covering combinations with both room kinds, which between them hold every screen. On the
# other two, those that sign in, out and back in, and send files (requests of their own, not
# the API helper's): what an auth mode changes most.
BROWSER_WHOLE_COMBINATIONS = [
    answers for answers in FUZZ_COMBINATIONS if answers["room_model"] == "both"
]
BROWSER_TESTS_OF_SIGNING_IN = {
    "webclient/tests/test_signing_out.py",
    "webclient/tests/test_password.py",
    "webclient/tests/test_reconnect.py",
    "webclient/tests/test_uploads.py",
}


def browser_tests_left_out(project: Path, answers: dict) -> list[str]:
    """pytest's --ignore options for the browser test modules this combination leaves out."""
    if answers in BROWSER_WHOLE_COMBINATIONS:
        return []
    modules = (project / "webclient" / "tests").glob("test_*.py")
    return [
        f"--ignore={relative}"
        for relative in sorted(str(module.relative_to(project)) for module in modules)
        if relative not in BROWSER_TESTS_OF_SIGNING_IN
        and "pytest.mark.browser" in (project / relative).read_text()
    ]


def combination_id(answers: dict) -> str:
    docker = "docker" if answers["use_docker"] == "yes" else "nodocker"
    return "-".join([answers["auth"], answers["channel_layer"], answers["room_model"], docker])


def combinations(selection=COMBINATIONS):
    """Parametrize a test over `answers`, one id per combination."""
    return pytest.mark.parametrize("answers", selection, ids=map(combination_id, selection))


def run(command: list, cwd: Path, env: dict | None = None, timeout: float = 600):
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


# Where the generated projects' commands keep compiled modules: beside this environment, never
# in a bake. A run starts hundreds of Python processes (each bake's suite, its server processes,
# its checks); with PYTHONDONTWRITEBYTECODE set, as on the CI machine, each compiled Django, the
# test plugins and pytest's rewritten modules again, most of a process's start-up.
BYTECODE_CACHE = Path(sys.prefix) / "pycache"


def project_env(**overrides: str) -> dict:
    """The environment a generated project's commands run in: ours, minus pytest's own traces,
    with compiled modules cached (BYTECODE_CACHE)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "DJANGO_", "VIRTUAL_ENV"))
        and key != "PYTHONDONTWRITEBYTECODE"
    }
    return {**env, "PYTHONPYCACHEPREFIX": str(BYTECODE_CACHE), **overrides}


def service_unavailable(name: str, where: str, error: Exception):
    """Fail under CI (a missing service is a broken run); elsewhere skip, saying what to start."""
    message = f"{name} is not reachable at {where} ({error})."
    if os.environ.get("CI") == "true":
        pytest.fail(message + " CI must provide it.")
    pytest.skip(message + " Start it (see README, 'Running the tests') to run this test.")


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts (never a fixed one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_process(command: list, cwd: Path, env: dict) -> subprocess.Popen:
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
    """Stop the process and everything it started, unless they are gone; returns its output."""
    with contextlib.suppress(ProcessLookupError):  # it exited on its own: its output says why
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
            pytest.fail(f"{url} never answered:\n{stop_process(process)[-4000:]}")
        time.sleep(0.3)


def bake_from_uv_cache(cookies, context: dict) -> Path:
    """The project `cookies` generates for `context`, its hook's `uv lock` resolving from uv's
    cache (UV_OFFLINE): online, it asks the index again for each of some sixty packages, every
    bake (the index gives its pages no cache lifetime), some 6 s of waiting in each of the 48
    bakes. The cache holds what the template's environment and the bakes before fetched; when
    that is not all, the project is generated again online. The online lock step has tests of
    its own (tests/test_prompts.py)."""
    for offline in ("1", "0"):
        previous = os.environ.get("UV_OFFLINE")
        os.environ["UV_OFFLINE"] = offline
        try:
            result = cookies.bake(extra_context=context)
        finally:
            if previous is None:
                del os.environ["UV_OFFLINE"]
            else:
                os.environ["UV_OFFLINE"] = previous
        assert result.exit_code == 0, result.exception
        project = Path(result.project_path)
        if (project / "uv.lock").exists():
            break
    return project
