"""Every combination of prompts bakes a clean, consistent project that passes its own tests."""

import fnmatch
import json
import os
import re
import shutil
import urllib.request
import uuid

from support import (
    BIN,
    BROWSER_TESTS_OF_SIGNING_IN,
    BROWSER_WHOLE_COMBINATIONS,
    COMBINATIONS,
    FUZZ_COMBINATIONS,
    PROJECT_TEMPLATE,
    PYTHON,
    TEMPLATE,
    bake_from_uv_cache,
    browser_tests_left_out,
    combinations,
    covers,
    default_answers,
    free_port,
    load_hook,
    project_env,
    run,
    start_process,
    stop_process,
    template_files,
    wait_for_http,
)

post_gen = load_hook("post_gen_project")

DOCKER_COMBINATIONS = [answers for answers in COMBINATIONS if answers["use_docker"] == "yes"]
# The Docker answer adds files and a README section and changes nothing else (a test below
# proves it), so the checks of the code (ruff, import contracts, Django's checks, the lock
# file) and the generated suite run once per pair of Docker twins, on the one without.
SUITE_COMBINATIONS = [answers for answers in COMBINATIONS if answers["use_docker"] == "no"]
# The production database runs the generated suite too, on one combination with both room
# kinds: its storing path, its row locks and its own tests (marked postgresql) are not SQLite's.
POSTGRESQL_COMBINATIONS = [
    {"auth": "token", "channel_layer": "in_memory", "room_model": "both", "use_docker": "no"}
]
POSTGRESQL_SELECTION = "not fuzz and not faults and not browser"
# The Docker twins of the covering subset. The Docker answer's files are the same whatever the
# other answers (the hook's table), so what only compares or runs them runs on these.
COVERING_DOCKER_COMBINATIONS = [{**answers, "use_docker": "yes"} for answers in FUZZ_COMBINATIONS]
# The container's entrypoint (wait for PostgreSQL, migrate, serve) is one script for every
# answer: it runs, against a real PostgreSQL, with each channel layer.
ENTRYPOINT_COMBINATIONS = [
    next(answers for answers in COVERING_DOCKER_COMBINATIONS if answers["channel_layer"] == layer)
    for layer in ("in_memory", "redis")
]
CHECK_AND_MAKEMIGRATIONS = """
import os, django
from django.core.management import call_command
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
call_command("check", fail_level="WARNING")
call_command("makemigrations", check=True, dry_run=True)
"""
MARKUP = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
# Files cookiecutter copies as they are, never rendered (cookiecutter.json's
# _copy_without_render: Django templates, static files, pictures): they may hold markup of
# their own, or bytes that look like it, and must reach the project unchanged.
COPIED_AS_IS = json.loads((TEMPLATE / "cookiecutter.json").read_text())["_copy_without_render"]


def copied_as_is(relative: str) -> bool:
    return any(fnmatch.fnmatch(relative, pattern) for pattern in COPIED_AS_IS)


@combinations()
def test_bake_leaves_no_template_markup_and_only_chosen_files(bake, answers):
    project = bake(answers)
    texts = [
        path
        for path in project.rglob("*")
        if path.is_file() and not copied_as_is(str(path.relative_to(project)))
    ]
    leftovers = [
        str(path.relative_to(project))
        for path in texts
        if MARKUP.search(path.read_text(errors="ignore") + str(path))
    ]
    assert leftovers == []
    for relative in filter(copied_as_is, template_files()):
        copied = project / relative
        if copied.exists():  # or removed by the hook for these answers (checked below)
            assert copied.read_bytes() == (PROJECT_TEMPLATE / relative).read_bytes(), relative
    debris = [
        str(path.relative_to(project))
        for path in texts
        if re.search(r"\n\s*\n\s*\n", path.read_text(errors="ignore"))
        and path.suffix != ".py"  # ruff's own rules (two blank lines between definitions)
    ]
    assert debris == [], "blank-line runs left by template tags"
    # The files: the template's, less what the post-generation hook's table removes for these
    # answers (tests/test_hooks.py checks the table and the removal); the hook's own outputs.
    excluded = post_gen.excluded_paths(answers)
    for path in template_files():
        removed = any(covers(listed, path) for listed in excluded)
        assert (project / path).exists() != removed, path
    assert (project / ".env").exists()


@combinations(SUITE_COMBINATIONS)
def test_ruff_finds_nothing_to_fix_or_reformat(bake, answers):
    project = bake(answers)
    run([BIN / "ruff", "check", "--no-cache", "."], project)
    run([BIN / "ruff", "format", "--no-cache", "--check", "."], project)


@combinations(SUITE_COMBINATIONS)
def test_lock_file_is_written_consistent_with_pyproject_and_committed(bake, answers):
    """The post-generation hook's `uv lock`: `--check` fails on a lock file that no longer
    matches pyproject.toml (uv answers from its cache: about 0.1 s)."""
    project = bake(answers)
    run([BIN / "uv", "lock", "--check", "--quiet"], project, project_env())
    ignored = (project / ".gitignore").read_text().splitlines()
    assert not any(line.strip().lstrip("/").startswith("uv.lock") for line in ignored)


@combinations(SUITE_COMBINATIONS)
def test_import_contracts_hold(bake, answers):
    """The generated pyproject.toml's import-linter contracts (the layers of chat/, core
    importing no app), as `lint-imports` checks them; no cache left in the bake."""
    project = bake(answers)
    run([BIN / "lint-imports", "--no-cache", "--no-logo"], project, project_env())


@combinations(SUITE_COMBINATIONS)
def test_django_checks_and_migrations_are_clean(bake, answers):
    project = bake(answers)
    # One process for both commands: Django's start-up is most of their cost.
    run([PYTHON, "-c", CHECK_AND_MAKEMIGRATIONS], project, project_env())
    production = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="chat.example.com",
        DATABASE_URL="sqlite:///db.sqlite3",
    )
    run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], project, production)


def test_the_fuzzed_combinations_cover_every_answer():
    for question in ("auth", "channel_layer", "room_model"):
        covered = {answers[question] for answers in FUZZ_COMBINATIONS}
        assert covered == {answers[question] for answers in COMBINATIONS}, question
    assert all(answers in SUITE_COMBINATIONS for answers in FUZZ_COMBINATIONS)
    assert template_files() >= BROWSER_TESTS_OF_SIGNING_IN  # none renamed out of the list
    # Between them, the web client's whole tests see every room kind and both channel layers.
    assert {answers["room_model"] for answers in BROWSER_WHOLE_COMBINATIONS} == {"both"}
    assert {answers["channel_layer"] for answers in BROWSER_WHOLE_COMBINATIONS} == {
        "in_memory",
        "redis",
    }
    assert all(answers in DOCKER_COMBINATIONS for answers in ENTRYPOINT_COMBINATIONS)


def project_files(project) -> dict[str, bytes]:
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".env" not in path.name and "__pycache__" not in path.parts
    }


@combinations(COVERING_DOCKER_COMBINATIONS)
def test_the_docker_answer_changes_only_docker_files_and_the_readme(bake, cookies, answers):
    """The Docker bake as cached (its tests only read it, or write outside it) against a fresh
    bake without Docker: the cached one holds what the generated suite left (databases, media)."""
    without_docker = {**answers, "use_docker": "no", "project_slug": "chat_server"}
    with_docker = project_files(bake(answers))
    without = project_files(bake_from_uv_cache(cookies, without_docker))
    docker_only = {
        path
        for path in template_files()
        if any(covers(listed, path) for listed in post_gen.FILES_BY_ANSWER["use_docker"]["yes"])
    }
    assert set(with_docker) - set(without) == docker_only
    assert set(without) <= set(with_docker)
    changed = {name for name in without if without[name] != with_docker[name]}
    assert changed == {"README.md"}


@combinations(SUITE_COMBINATIONS)
def test_generated_test_suite_passes(bake, answers, services_for):
    services_for(answers)
    project = bake(answers)
    # The browser tests (the web client in Chromium) run on the covering subset too, on one
    # worker: on two, beside the other bakes' suites, some of them read timings the machine
    # did not keep (a burst typed slower than its rate limit).
    selection = (
        browser_tests_left_out(project, answers)
        if answers in FUZZ_COMBINATIONS
        else ["-m", "not fuzz and not faults and not browser"]
    )
    completed = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
        project,
        project_env(),
    )
    assert re.search(r"\d+ passed", completed.stdout)
    assert not re.search(r"\d+ (failed|error|skipped)", completed.stdout), completed.stdout


@combinations(POSTGRESQL_COMBINATIONS)
def test_generated_test_suite_passes_on_postgresql(bake, answers, postgres_database):
    project = bake(answers)
    # Two workers, each with its own test database: much of the time is the database's.
    command = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2"]
    completed = run(
        [*command, "-m", POSTGRESQL_SELECTION],
        project,
        project_env(DATABASE_URL=postgres_database),
    )
    assert re.search(r"\d+ passed", completed.stdout)
    assert not re.search(r"\d+ (failed|error|skipped)", completed.stdout), completed.stdout


@combinations(DOCKER_COMBINATIONS)
def test_docker_artefacts_pass_hadolint_and_the_compose_schema(bake, answers):
    project = bake(answers)
    run([BIN / "hadolint", "Dockerfile"], project)
    # The image is built from the lock file (uv sync --frozen).
    assert "uv.lock" not in (project / ".dockerignore").read_text()
    run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        project,
    )
    compose = (project / "compose.yaml").read_text()
    assert ("redis:" in compose) == (answers["channel_layer"] == "redis")
    # The image runs the production command the README gives and the live tests start.
    command = dockerfile_command(project)
    assert command[:3] == ["python", "-m", "config.serve"]
    readme = (project / "README.md").read_text()
    assert "python -m config.serve --host 0.0.0.0 --port 8000" in readme
    assert '"-m", "config.serve"' in (project / "conftest.py").read_text()


def dockerfile_command(project) -> list[str]:
    """The image's CMD (exec form)."""
    for line in (project / "Dockerfile").read_text().splitlines():
        if line.startswith("CMD "):
            return json.loads(line.removeprefix("CMD "))
    raise AssertionError("the Dockerfile has no CMD")


@combinations(ENTRYPOINT_COMBINATIONS)
def test_container_entrypoint_migrates_postgres_and_serves(
    bake, answers, postgres_database, services_for, tmp_path
):
    """The image's ENTRYPOINT and CMD, run outside Docker against the local PostgreSQL/Redis."""
    services_for(answers)
    project = bake(answers)
    port = free_port()
    env = project_env(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DATABASE_URL=postgres_database,
        REDIS_URL="redis://127.0.0.1:6379/0",
        REDIS_KEY_PREFIX=f"entrypoint-{uuid.uuid4().hex[:8]}",
        PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
    )
    command = [
        {"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(part, part)
        for part in dockerfile_command(project)
    ]
    # The image's build step, which the server's static files come from.
    env["DJANGO_STATIC_ROOT"] = str(tmp_path / "staticfiles")
    run([PYTHON, "manage.py", "collectstatic", "--noinput"], project, env)
    # Two replicas starting together on the fresh database: they migrate in turn, and both go
    # on to their command.
    replicas = [start_process(["sh", "docker/entrypoint.sh", "true"], project, env) for _ in "ab"]
    outputs = [replica.communicate(timeout=120)[0] for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0], outputs
    assert "".join(outputs).count("Applying users.0001_initial... OK") == 1, outputs
    server = start_process(["sh", "docker/entrypoint.sh", *command], project, env)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz/", server, timeout=60)
        # The admin's stylesheets and the web client's modules, every import followed: under
        # hashed names, served by the app server itself.
        static = set()
        for page in ("/admin/login/", "/"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{page}") as answer:
                static |= set(re.findall(r'"(/static/[^"]+)"', answer.read().decode()))
        assert any(url.endswith(".css") for url in static), static
        assert any("webclient/auth/" in url for url in static), static
        fetched = set()
        while static - fetched:
            url = (static - fetched).pop()
            fetched.add(url)
            assert re.search(r"\.[0-9a-f]{12}\.[a-z]+$", url), f"not a hashed name: {url}"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}") as answer:
                assert "immutable" in answer.headers["Cache-Control"], url
                body = answer.read().decode()
            if url.endswith(".js"):
                directory = url.rsplit("/", 1)[0]
                for imported in re.findall(r'from "(\.{1,2}/[^"]+)"', body):
                    static.add(os.path.normpath(f"{directory}/{imported}"))
    finally:
        output = stop_process(server)
    assert "database is ready" in output
    assert "No migrations to apply." in output


def test_readme_command_to_try_production_serves_the_web_client(bake, tmp_path):
    """The generated README's command to try the production settings on one's machine, as
    given but for `uv run python` (this environment's) and the port, in a copy of a default
    bake (whose .env holds the secret key): it serves the web client's page and its files."""
    defaults = default_answers()
    prompts = ("auth", "channel_layer", "room_model", "use_docker")
    project = shutil.copytree(bake({key: defaults[key] for key in prompts}), tmp_path / "project")
    readme = (project / "README.md").read_text()
    command = re.search(r"To try them on your machine.*?```sh\n(.*?)\n```", readme, re.S)
    assert command, "the README gives the command in a sh block"
    port = free_port()
    command = command.group(1).replace("uv run python", PYTHON).replace("8000", str(port))
    server = start_process(["bash", "-c", command], project, project_env())
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz/", server, timeout=120)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
            script = re.search(r'<script type="module" src="([^"]+)"', page.read().decode())
        assert script, "the page at / loads no client"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{script.group(1)}") as answer:
            assert answer.status == 200
    finally:
        output = stop_process(server)
    assert "static files copied" in output
