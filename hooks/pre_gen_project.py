"""Refuse answers that would generate a broken project, before anything is written.

Each rule is one small function returning an error message or None; the hook
prints every failing rule, naming the answer and what is allowed, and exits 1.
"""

import keyword
import re
import sys
import zoneinfo

ANSWERS = {
    "project_name": {{ cookiecutter.project_name | tojson }},
    "project_slug": {{ cookiecutter.project_slug | tojson }},
    "email": {{ cookiecutter.email | tojson }},
    "timezone": {{ cookiecutter.timezone | tojson }},
}

# The slug names the project's Python distribution: a project named like one of its own
# dependencies cannot be installed (uv: "depends on itself").
DEPENDENCY_NAMES = {
    "django", "channels", "channels_redis", "daphne", "djangorestframework", "django_rest_knox",
    "djangorestframework_simplejwt", "django_environ", "psycopg", "redis", "pytest",
    "pytest_django", "pytest_asyncio", "websockets", "ruff", "django_cors_headers", "corsheaders",
    "hypothesis", "schemathesis", "uvicorn", "uvloop", "httptools", "drf_spectacular",
}  # fmt: skip


def check_project_name(answers):
    if not answers["project_name"].strip():
        return "project_name is empty: give the project a name, e.g. 'Team Chat'."


def check_project_slug(answers):
    slug = answers["project_slug"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", slug) or keyword.iskeyword(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier: use lowercase "
            "letters, digits and underscores, starting with a letter (e.g. 'team_chat')."
        )
    if slug in DEPENDENCY_NAMES:
        return f"project_slug {slug!r} is the name of one of the project's dependencies: choose another."


def check_email(answers):
    email = answers["email"]
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return f"email {email!r} is not an e-mail address (expected name@example.com)."


def check_timezone(answers):
    name = answers["timezone"]
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"timezone {name!r} is not an IANA time zone name (e.g. 'UTC', 'Europe/Paris')."


# Choice answers need no rule here: cookiecutter refuses a value outside the list itself.
RULES = [check_project_name, check_project_slug, check_email, check_timezone]


def main() -> int:
    errors = [message for rule in RULES if (message := rule(ANSWERS))]
    for message in errors:
        print(f"ERROR: {message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
