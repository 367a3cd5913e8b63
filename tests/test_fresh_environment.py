"""Sampled combinations installed from their own lock file into a fresh virtualenv with uv.

The main suite runs every bake in the template's environment, which holds every
dependency of every combination; these prove each generated list is complete alone, and
that a baked project installs exactly the versions its uv.lock pins.
"""

import json
import re
import tomllib

import pytest
from support import BIN, project_env, run

SAMPLES = [
    # The defaults, on SQLite.
    ({"auth": "session", "channel_layer": "in_memory", "room_model": "group"}, False),
    # JWT with Redis, on PostgreSQL.
    ({"auth": "jwt", "channel_layer": "redis", "room_model": "both"}, True),
    # Knox with Redis, 1-to-1 only.
    ({"auth": "knox", "channel_layer": "redis", "room_model": "direct"}, False),
]

PYTEST = ["pytest", "-q", "-p", "no:cacheprovider"]

# Every distribution in the environment, by normalised name.
INSTALLED = """
import importlib.metadata, json, re
print(json.dumps({
    re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower(): dist.version
    for dist in importlib.metadata.distributions()
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sample", "on_postgres"), SAMPLES, ids=[sample[0]["auth"] for sample in SAMPLES]
)
def test_project_installs_and_passes_in_a_fresh_virtualenv(
    cookies, tmp_path, sample, on_postgres, services_for, request
):
    services_for(sample)
    result = cookies.bake(extra_context={**sample, "use_docker": "no"})
    assert result.exit_code == 0, result.exception
    project = result.project_path
    venv = tmp_path / "venv"
    env = project_env(UV_PROJECT_ENVIRONMENT=str(venv))
    # --frozen: the versions of the uv.lock the post-generation hook wrote, not resolved again.
    run([BIN / "uv", "sync", "--frozen", "--quiet"], project, env)
    installed = json.loads(run([venv / "bin" / "python", "-c", INSTALLED], project, env).stdout)
    locked = {
        package["name"]: package.get("version")
        for package in tomllib.loads((project / "uv.lock").read_text())["package"]
    }
    differ = {
        name: (version, locked.get(name))
        for name, version in installed.items()
        if locked.get(name) != version
    }
    assert differ == {}, "(installed, locked) versions"
    assert {"uvicorn", "websockets", "django"} <= installed.keys()
    # Nothing of the template's environment is importable there.
    probe = "import importlib.util as u; print(u.find_spec('cookiecutter') is None)"
    assert run([venv / "bin" / "python", "-c", probe], project, env).stdout.strip() == "True"
    if on_postgres:
        env["DATABASE_URL"] = request.getfixturevalue("postgres_database")
    # The main suite runs every test of these bakes in the template's environment. Here,
    # collecting them all imports every module and test dependency the project has, and the
    # real-server tests prove the production server's stack (uvicorn, its protocols, uvloop)
    # runs from this environment alone.
    collected = run([BIN / "uv", "run", "--no-sync", *PYTEST, "--collect-only"], project, env)
    assert re.search(r"\d+ tests? collected", collected.stdout), collected.stdout
    live = [*PYTEST, "chat/tests/test_live_server.py"]
    completed = run([BIN / "uv", "run", "--no-sync", *live], project, env)
    assert re.search(r"\d+ passed", completed.stdout)
    assert not re.search(r"\d+ (failed|error|skipped)", completed.stdout), completed.stdout
    if on_postgres:
        # Nothing left on the server: the run dropped the test database pytest-django made.
        assert leftover_test_databases(env["DATABASE_URL"]) == []


def leftover_test_databases(database_url: str) -> list[str]:
    """The databases named as pytest-django names its test databases of this one."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"test_{name}%"]
        ).fetchall()
    return [row[0] for row in rows]
