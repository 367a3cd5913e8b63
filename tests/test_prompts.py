"""The prompts: defaults bake, each pre-generation rule refuses a bad answer by name."""

import json
import subprocess

import pytest
from support import BIN, TEMPLATE


def cookiecutter(tmp_path, *answers: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "cookiecutter", "--no-input", "-o", str(tmp_path / "out"), str(TEMPLATE), *answers],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_prompts_are_human_readable_questions():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    prompts = context["__prompts__"]
    questions = [key for key in context if not key.startswith("_")]
    assert set(questions) <= set(prompts)
    for key, value in context.items():
        if isinstance(value, list):
            assert set(prompts[key]) == {"__prompt__", *value}, key


def test_defaults_bake_the_embedded_setup(tmp_path):
    completed = cookiecutter(tmp_path)
    assert completed.returncode == 0, completed.stderr
    project = tmp_path / "out" / "chat_server"
    assert (project / "config" / "settings" / "channel_layer_in_memory.py").exists()
    assert "sqlite" in (project / "config" / "settings" / "base.py").read_text()
    assert not (project / "Dockerfile").exists()
    assert "uv run python manage.py migrate" in completed.stdout  # next steps printed
    config = project / ".pre-commit-config.yaml"
    validated = subprocess.run(
        [BIN / "pre-commit", "validate-config", str(config)], capture_output=True, text=True
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("project_name=   project_slug=chat", "project_name is empty"),
        ("project_slug=Chat-Server", "project_slug 'Chat-Server' is not a lowercase Python"),
        ("project_slug=1chat", "project_slug '1chat' is not a lowercase Python"),
        ("project_slug=class", "project_slug 'class' is not a lowercase Python"),
        ("project_slug=channels", "project_slug 'channels' is the name of one of the project's"),
        ("email=not-an-address", "email 'not-an-address' is not an e-mail address"),
        ("timezone=Mars/Olympus", "timezone 'Mars/Olympus' is not an IANA time zone"),
    ],
)
def test_pre_gen_rule_refuses_a_bad_answer_by_name(tmp_path, answer, message):
    completed = cookiecutter(tmp_path, *answer.split("   "))
    assert completed.returncode != 0
    assert message in completed.stderr
    assert not any((tmp_path / "out").glob("*/*"))  # nothing generated


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
