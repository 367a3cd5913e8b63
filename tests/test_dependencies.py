"""The generated projects' dependencies, without baking: the root's `generated` group is their
exact union, the production protocol's libraries are pinned to the versions tested here, and
each answer brings in its own packages only."""

import importlib.metadata
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from support import COMBINATIONS, PROJECT_TEMPLATE, TEMPLATE, render

ROOT = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())


def requirements(lines: list[str]) -> dict[str, str]:
    """name -> the requirement, normalised (name, extras, specifier order)."""
    return {canonicalize_name(Requirement(line).name): str(Requirement(line)) for line in lines}


def generated_pyproject(answers: dict) -> dict:
    return tomllib.loads(render("pyproject.toml", answers))


def generated_requirements(answers: dict) -> dict[str, str]:
    """What the generated project installs for development: its dependencies and dev group."""
    pyproject = generated_pyproject(answers)
    dev = pyproject["dependency-groups"]["dev"]
    return requirements(pyproject["project"]["dependencies"] + dev)


def test_the_generated_group_is_every_requirement_of_every_combination():
    """The template's environment runs every bake's own tests and checks: its `generated` group
    holds each requirement of each combination, as written there, and nothing else."""
    group = requirements(ROOT["dependency-groups"]["generated"])
    union: dict[str, str] = {}
    for answers in COMBINATIONS:
        for name, requirement in generated_requirements(answers).items():
            assert union.setdefault(name, requirement) == requirement, "one name, two ranges"
    missing = {name: union[name] for name in union.keys() - group.keys()}
    assert missing == {}, "in a generated pyproject.toml, not in the root's `generated` group"
    extra = {name: group[name] for name in group.keys() - union.keys()}
    assert extra == {}, "in the root's `generated` group, in no generated pyproject.toml"
    differ = {name: (union[name], group[name]) for name in union if union[name] != group[name]}
    assert differ == {}, "(generated pyproject.toml, root group) differ"


@pytest.mark.parametrize("name", ["uvicorn", "websockets"])
def test_the_production_protocol_libraries_are_pinned_to_the_tested_minor(name):
    """chat/realtime/uvicorn_protocol.py extends uvicorn's private sans-I/O protocol: the
    generated range allows the minor version installed here (the one the bakes' suites run)
    and nothing of the next one."""
    specifier = Requirement(generated_requirements({})[name]).specifier
    tested = Version(importlib.metadata.version(name))
    assert tested in specifier
    next_minor = Version(f"{tested.major}.{tested.minor + 1}")
    assert next_minor not in specifier
    assert Version(f"{tested.major}.{tested.minor}") in specifier


@pytest.mark.parametrize(
    ("package", "question", "answer"),
    [
        ("channels-redis", "channel_layer", "redis"),
        ("hiredis", "channel_layer", "redis"),
        ("django-rest-knox", "auth", "knox"),
        ("djangorestframework-simplejwt", "auth", "jwt"),
    ],
)
def test_an_answer_brings_its_own_package_only(package, question, answer):
    for answers in COMBINATIONS:
        present = package in generated_requirements(answers)
        assert present == (answers[question] == answer), answers


def test_import_linter_is_a_dev_tool_with_its_contracts_and_pre_commit_hook():
    pyproject = generated_pyproject({})
    dev = requirements(pyproject["dependency-groups"]["dev"])
    assert "import-linter" in dev
    assert "import-linter" not in requirements(pyproject["project"]["dependencies"])
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    assert {contract["type"] for contract in contracts} == {"layers", "forbidden"}
    config = yaml.safe_load((PROJECT_TEMPLATE / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    (hook,) = [hook for hook in hooks if hook["id"] == "lint-imports"]
    assert requirements(hook["additional_dependencies"]) == {
        "import-linter": dev["import-linter"]
    }, "pre-commit installs the same import-linter range as the dev group"


def test_pre_commit_runs_ruff_from_the_dev_groups_range():
    dev = requirements(generated_pyproject({})["dependency-groups"]["dev"])
    config = yaml.safe_load((PROJECT_TEMPLATE / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    for name in ("ruff-check", "ruff-format"):
        assert requirements(hooks[name]["additional_dependencies"]) == {"ruff": dev["ruff"]}
