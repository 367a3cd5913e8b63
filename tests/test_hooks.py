"""The hooks as code, without baking: the removal table against the template, what each answer
removes, the answer rules, the lock step. The hooks are imported unrendered; their functions
take the answers as arguments."""

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support import (
    CHOICES,
    COMBINATIONS,
    PROJECT_TEMPLATE,
    TEMPLATE,
    combinations,
    covers,
    default_answers,
    load_hook,
    render,
    template_files,
)

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")
TABLE = post_gen.FILES_BY_ANSWER
TABLE_ROWS = [
    (question, answer, path)
    for question, files_by_answer in TABLE.items()
    for answer, paths in files_by_answer.items()
    for path in paths
]


def kept_by_the_table(path: str, answers: dict) -> bool:
    """What the table says, read as a person would: a file listed under some answers of a
    question stays only when the chosen answer is one of them; a file it lists nowhere stays."""
    for question, files_by_answer in TABLE.items():
        listing = {
            answer
            for answer, paths in files_by_answer.items()
            if any(covers(listed, path) for listed in paths)
        }
        if listing and answers[question] not in listing:
            return False
    return True


# The removal table


def test_the_table_has_a_row_for_each_answer_of_the_questions_it_names():
    for question, files_by_answer in TABLE.items():
        assert set(files_by_answer) == set(CHOICES[question]), question


@pytest.mark.parametrize(
    ("question", "answer", "path"), TABLE_ROWS, ids=[f"{q}={a}:{p}" for q, a, p in TABLE_ROWS]
)
def test_every_path_in_the_removal_table_exists_in_the_template(question, answer, path):
    assert (PROJECT_TEMPLATE / path).exists(), f"{question}={answer} lists {path}"


def test_no_path_is_listed_under_every_answer_of_a_question():
    """A typo in the table (a path listed under every answer) would remove nothing anywhere."""
    for question, files_by_answer in TABLE.items():
        listed_everywhere = set.intersection(*map(set, files_by_answer.values()))
        assert not listed_everywhere, f"{question}: {listed_everywhere} is never removed"


@combinations()
def test_each_answer_removes_exactly_what_it_says(answers, tmp_path):
    """The hook's removal, run on a copy of the template's tree (empty files): what is left is
    every template file the table keeps for these answers, and nothing else."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT_TEMPLATE, project, copy_function=lambda _, target: Path(target).touch())
    post_gen.remove_unchosen(project, answers)
    left = {str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()}
    expected = {path for path in template_files() if kept_by_the_table(path, answers)}
    assert left - expected == set(), "kept though an answer removes them"
    assert expected - left == set(), "removed though no answer removes them"


# The answers, rendered into the hooks


NASTY = 'He said """hi""" \\ \\" </script> {{ x }} \'quoted\' \u00e9\u4e2d'


@pytest.mark.parametrize("hook", ["pre_gen_project", "post_gen_project"])
def test_a_rendered_hook_reads_back_any_answer_unchanged(hook):
    """Answers with quotes, backslashes and markup render into the hook as data: the rendered
    file is still Python and its answers are the ones given."""
    context = {**default_answers(), "project_name": NASTY, "description": NASTY + "\\"}
    source = (TEMPLATE / "hooks" / f"{hook}.py").read_text()
    rendered = StrictEnvironment(context={"cookiecutter": context}).from_string(source)
    namespace: dict = {"__name__": "rendered"}
    exec(compile(rendered.render(cookiecutter=context), hook, "exec"), namespace)
    assert json.loads(namespace["ANSWERS_JSON"]) == context


# The pre-generation rules


def test_the_default_answers_pass_every_rule():
    assert pre_gen.errors(default_answers()) == []


@pytest.mark.parametrize(
    ("answer", "value", "message"),
    [
        ("project_name", "   ", "project_name is empty"),
        ("project_name", "!!!", "project_name '!!!' has no letter or digit"),
        ("project_slug", "Chat-Server", "project_slug 'Chat-Server' is not a lowercase Python"),
        ("project_slug", "1chat", "project_slug '1chat' is not a lowercase Python"),
        ("project_slug", "class", "project_slug 'class' is not a lowercase Python"),
        ("project_slug", "chat server", "project_slug 'chat server' is not a lowercase Python"),
        ("project_slug", "channels", "project_slug 'channels' is the name of one of the project's"),
        ("project_slug", "uvicorn", "project_slug 'uvicorn' is the name of one of the project's"),
        ("email", "not-an-address", "email 'not-an-address' is not an e-mail address"),
        ("email", "a@b", "email 'a@b' is not an e-mail address"),
        ("timezone", "Mars/Olympus", "timezone 'Mars/Olympus' is not an IANA time zone"),
        ("timezone", "../etc/passwd", "timezone '../etc/passwd' is not an IANA time zone"),
    ],
)
def test_a_bad_answer_is_refused_by_name(answer, value, message, capsys):
    answers = {**default_answers(), answer: value}
    found = pre_gen.errors(answers)
    assert len(found) == 1, found
    assert found[0].startswith(message)
    assert pre_gen.main(answers) == 1
    assert f"ERROR: {message}" in capsys.readouterr().err


def test_an_unusable_slug_says_how_to_give_one():
    (message,) = pre_gen.errors({**default_answers(), "project_slug": "2_chat"})
    assert "pass project_slug=team_chat" in message


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Chat 2.0", "chat_2_0"), ("Team-Chat!", "team_chat"), ("Ünïcode Chat", "unicode_chat")],
)
def test_the_slug_made_from_a_name_with_punctuation_passes_every_rule(name, slug):
    """The slug's default makes a Python identifier of whatever project_name holds."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    made = StrictEnvironment().from_string(context["project_slug"])
    answers = {**default_answers(), "project_name": name}
    answers["project_slug"] = made.render(cookiecutter=answers)
    assert answers["project_slug"] == slug
    assert pre_gen.errors(answers) == []


def test_every_bad_answer_is_named_at_once(capsys):
    answers = {**default_answers(), "project_slug": "1chat", "email": "nobody"}
    assert pre_gen.main(answers) == 1
    err = capsys.readouterr().err
    assert "project_slug '1chat'" in err and "email 'nobody'" in err


def test_no_slug_can_name_a_dependency_of_the_project():
    """The rule's list covers every direct dependency of every combination."""
    names = set()
    for answers in COMBINATIONS:
        pyproject = tomllib.loads(render("pyproject.toml", answers))
        requirements = pyproject["project"]["dependencies"] + pyproject["dependency-groups"]["dev"]
        names |= {canonicalize_name(Requirement(line).name) for line in requirements}
    assert {name.replace("-", "_") for name in names} - pre_gen.DEPENDENCY_NAMES == set()


def test_no_slug_can_name_a_package_the_projects_install():
    """Indirect dependencies too (sqlparse, by way of Django): the packages the repository's lock
    holds for the `generated` group, which is every combination's dependencies
    (test_dependencies.py), with their extras, and what those depend on."""
    packages = {
        package["name"]: package
        for package in tomllib.loads((TEMPLATE / "uv.lock").read_text())["package"]
    }
    wanted = [
        (dependency["name"], tuple(dependency.get("extra", ())))
        for dependency in packages["cookiecutter-django-chat"]["dev-dependencies"]["generated"]
    ]
    installed: set[str] = set()
    seen: set = set()
    while wanted:
        name, extras = wanted.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        installed.add(name.replace("-", "_"))
        package = packages[name]
        requirements = list(package.get("dependencies", []))
        for extra in extras:
            requirements += package.get("optional-dependencies", {}).get(extra, [])
        wanted += [
            (dependency["name"], tuple(dependency.get("extra", ()))) for dependency in requirements
        ]
    assert "sqlparse" in installed
    assert installed - pre_gen.DEPENDENCY_NAMES == set()


# The lock step


def pyproject_only(tmp_path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(render("pyproject.toml", {}))
    return project


def test_without_uv_the_lock_step_says_so_and_writes_nothing(tmp_path, monkeypatch):
    project = pyproject_only(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert post_gen.lock(project) == "uv is not on PATH"
    assert not (project / "uv.lock").exists()


def test_offline_with_nothing_cached_the_lock_step_says_why(tmp_path, monkeypatch):
    project = pyproject_only(tmp_path)
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "cache"))
    problem = post_gen.lock(project)
    assert problem and "network" in problem, problem
    assert not (project / "uv.lock").exists()


def test_the_next_steps_give_the_lock_command_only_when_it_is_needed():
    assert "uv lock" not in post_gen.next_steps("team_chat", None, "in_memory")
    steps = post_gen.next_steps("team_chat", "uv is not on PATH", "in_memory").splitlines()
    after_cd = steps[steps.index("  cd team_chat") + 1]
    assert after_cd.startswith("  uv lock   # ")
    assert after_cd.endswith("not done now: uv is not on PATH")


def test_the_next_steps_start_redis_first_when_the_project_needs_it():
    assert "redis-server" not in post_gen.next_steps("team_chat", None, "in_memory")
    steps = post_gen.next_steps("team_chat", None, "redis").splitlines()
    start_redis = next(index for index, step in enumerate(steps) if "redis-server" in step)
    serve = next(index for index, step in enumerate(steps) if "runserver" in step)
    assert start_redis < serve
