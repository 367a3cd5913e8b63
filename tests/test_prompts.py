"""The prompts: defaults bake, each pre-generation rule refuses a bad answer by name."""

import json
import os
import subprocess

import pytest
from support import BIN, TEMPLATE


def cookiecutter(tmp_path, *answers: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "cookiecutter", "--no-input", "-o", str(tmp_path / "out"), str(TEMPLATE), *answers],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_prompts_are_human_readable_questions():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    prompts = context["__prompts__"]
    questions = [key for key in context if not key.startswith("_")]
    assert set(questions) <= set(prompts)
    for key, value in context.items():
        if isinstance(value, list) and not key.startswith("_"):
            assert set(prompts[key]) == {"__prompt__", *value}, key


def test_defaults_bake_the_embedded_setup(tmp_path):
    completed = cookiecutter(tmp_path)
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "out" / "chat_server"
    assert (project / "config" / "settings" / "channel_layer_in_memory.py").exists()
    assert "sqlite" in (project / "config" / "settings" / "base.py").read_text()
    assert not (project / "Dockerfile").exists()
    assert "uv run python manage.py migrate" in completed.stdout  # next steps printed
    assert (project / "uv.lock").exists()
    assert "uv lock" not in completed.stdout  # locked: no step left to do
    config = project / ".pre-commit-config.yaml"
    validated = subprocess.run(
        [BIN / "pre-commit", "validate-config", str(config)], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_a_bad_answer_stops_generation_before_anything_is_written(tmp_path):
    """The pre-generation hook runs and its refusal stops cookiecutter (each rule is unit-tested
    in test_hooks.py)."""
    completed = cookiecutter(tmp_path, "project_slug=Chat-Server", "email=nobody")
    assert completed.returncode != 0
    assert "project_slug 'Chat-Server' is not a lowercase Python" in completed.stderr
    assert "email 'nobody' is not an e-mail address" in completed.stderr
    assert not any((tmp_path / "out").glob("*/*"))  # nothing generated


def test_an_empty_project_name_is_refused_by_name(tmp_path):
    """Not cookiecutter's "directory already exists": the slug made from an empty name is never
    empty, so the hook runs and names the answer. The output directory exists, as the current
    directory does when cookiecutter is run the usual way."""
    (tmp_path / "out").mkdir()
    completed = cookiecutter(tmp_path, "project_name=")
    assert completed.returncode != 0
    assert "project_name is empty" in completed.stderr
    assert not any((tmp_path / "out").glob("*/*"))


def test_quotes_and_backslashes_in_answers_reach_the_project_unchanged(tmp_path):
    name = 'The "Quoted" \\ Chat'
    completed = cookiecutter(tmp_path, f"project_name={name}", "project_slug=quoted")
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "out" / "quoted" / "README.md").read_text().startswith(f"# {name}\n")


def test_offline_generation_succeeds_and_says_to_run_uv_lock(tmp_path):
    """No network and nothing in uv's cache: the project is generated without uv.lock, and the
    next steps give the command that writes it."""
    completed = cookiecutter(
        tmp_path, env={"UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "empty-cache")}
    )
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "out" / "chat_server"
    assert (project / "manage.py").exists()
    assert not (project / "uv.lock").exists()
    assert "\n  uv lock   # pins every dependency in uv.lock; not done now:" in completed.stdout


@pytest.mark.parametrize(
    ("answer", "allowed"),
    [
        ("auth=oauth", "['session', 'token', 'knox', 'jwt']"),
        ("channel_layer=kafka", "['in_memory', 'redis']"),
        ("room_model=forum", "['group', 'direct', 'both']"),
        ("use_docker=maybe", "['no', 'yes']"),
    ],
)
def test_an_unknown_choice_is_refused_by_name(tmp_path, answer, allowed):
    completed = cookiecutter(tmp_path, answer)
    assert completed.returncode != 0
    key, value = answer.split("=")
    assert f"{value} provided for choice variable {key}, but the choices are {allowed}" in (
        completed.stderr
    )
    assert not (tmp_path / "out").exists()


def test_each_project_gets_its_own_secrets(tmp_path):
    for name in ("one", "two"):
        assert cookiecutter(tmp_path, f"project_slug={name}", "use_docker=yes").returncode == 0
    secrets = {}
    for name in ("one", "two"):
        env = dict(
            line.split("=", 1)
            for line in (tmp_path / "out" / name / ".env").read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        assert len(env["DJANGO_SECRET_KEY"]) >= 50
        assert len(env["POSTGRES_PASSWORD"]) >= 50
        secrets[name] = (env["DJANGO_SECRET_KEY"], env["POSTGRES_PASSWORD"])
    assert secrets["one"] != secrets["two"]
    assert ".env" in (tmp_path / "out" / "one" / ".gitignore").read_text().splitlines()
    template_example = (TEMPLATE / "{{cookiecutter.project_slug}}" / ".env.example").read_text()
    assert "DJANGO_SECRET_KEY=\n" in template_example  # the template itself holds no secret
