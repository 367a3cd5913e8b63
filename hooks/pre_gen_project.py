"""Refuse answers that would generate a broken project, before anything is written.

Each rule is one small function returning an error message or None; the hook
prints every failing rule, naming the answer and what is allowed, and exits 1.

Cookiecutter renders the answers into the string below as JSON (a raw string, so an
answer's quotes and backslashes stay data), and the hook parses it only when run: the
file is plain Python that ruff checks and the template's tests import (tests/test_hooks.py).
"""

import json
import keyword
import re
import sys
import zoneinfo

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

# The slug names the project's Python distribution: a project named like one of its own
# dependencies cannot be installed (uv: "depends on itself"). tests/test_hooks.py checks
# that every dependency of every generated pyproject.toml is here.
DEPENDENCY_NAMES = {
    "django", "channels", "channels_redis", "daphne", "djangorestframework", "django_rest_knox",
    "djangorestframework_simplejwt", "django_environ", "psycopg", "redis", "pytest",
    "pytest_django", "pytest_asyncio", "websockets", "ruff", "django_cors_headers", "corsheaders",
    "hypothesis", "schemathesis", "uvicorn", "uvloop", "httptools", "drf_spectacular",
    "pre_commit", "import_linter", "importlinter", "emoji", "pillow", "django_storages",
    "storages", "whitenoise", "drf_spectacular_sidecar", "django_csp", "csp", "playwright",
    "asgiref",
}  # fmt: skip


def check_project_name(answers: dict) -> str | None:
    if not answers["project_name"].strip():
        return "project_name is empty: give the project a name, e.g. 'Team Chat'."
    return None


def check_project_slug(answers: dict) -> str | None:
    slug = answers["project_slug"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", slug) or keyword.iskeyword(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier: use lowercase "
            "letters, digits and underscores, starting with a letter (e.g. 'team_chat')."
        )
    if slug in DEPENDENCY_NAMES:
        return (
            f"project_slug {slug!r} is the name of one of the project's dependencies: "
            "choose another."
        )
    return None


def check_email(answers: dict) -> str | None:
    email = answers["email"]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return f"email {email!r} is not an e-mail address (expected name@example.com)."
    return None


def check_timezone(answers: dict) -> str | None:
    name = answers["timezone"]
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"timezone {name!r} is not an IANA time zone name (e.g. 'UTC', 'Europe/Paris')."
    return None


# Choice answers need no rule here: cookiecutter refuses a value outside the list itself.
RULES = [check_project_name, check_project_slug, check_email, check_timezone]


def errors(answers: dict) -> list[str]:
    """Every rule's message for these answers; empty when they are all acceptable."""
    return [message for rule in RULES if (message := rule(answers))]


def main(answers: dict) -> int:
    found = errors(answers)
    for message in found:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(json.loads(ANSWERS_JSON)))
