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

# The slug names the project's Python distribution: a project named like a package it installs,
# directly or not, cannot be installed (uv: "depends on itself", or no version satisfies what
# another package requires of it). tests/test_hooks.py checks that this holds every package
# the generated projects lock, over every combination; the import names that differ are
# refused too, so that no reader takes the project for the library.
DEPENDENCY_NAMES = {
    "anyio", "asgiref", "async_timeout", "attrs", "autobahn", "automat", "boto3", "botocore",
    "cbor2", "certifi", "cffi", "cfgv", "channels", "channels_redis", "charset_normalizer",
    "click", "colorama", "confusable_homoglyphs", "constantly", "cryptography", "daphne",
    "distlib", "django",
    "django_cors_headers", "django_csp", "django_environ", "django_rest_knox", "django_storages",
    "djangorestframework", "djangorestframework_simplejwt", "drf_spectacular",
    "drf_spectacular_sidecar", "emoji", "filelock", "graphql_core", "greenlet", "grimp", "h11",
    "harfile", "hiredis", "httptools", "hyperlink", "hypothesis", "hypothesis_graphql", "identify",
    "idna", "import_linter", "incremental", "inflection", "iniconfig", "jmespath", "jsonschema",
    "jsonschema_rs", "jsonschema_specifications", "markdown_it_py", "markupsafe", "mdurl",
    "msgpack", "nodeenv", "packaging", "pillow", "platformdirs", "playwright", "pluggy",
    "pre_commit", "psycopg", "psycopg_binary", "pycparser", "pygments", "pyjwt", "pyopenssl",
    "pyrate_limiter", "pytest", "pytest_asyncio", "pytest_django", "python_dateutil",
    "python_discovery", "pyyaml", "redis", "referencing", "requests", "rich", "rpds_py", "ruff",
    "s3transfer", "schemathesis", "service_identity", "six", "sortedcontainers", "sqlparse",
    "twisted", "txaio", "typing_extensions", "tzdata", "u_msgpack_python", "ujson", "uritemplate",
    "urllib3", "uvicorn", "uvloop", "virtualenv", "websockets", "werkzeug", "whitenoise",
    "zope_interface",
    # import names
    "corsheaders", "csp", "environ", "importlinter", "jwt", "knox", "rest_framework", "storages",
    "yaml",
}  # fmt: skip


def check_project_name(answers: dict) -> str | None:
    name = answers["project_name"]
    if not name.strip():
        return "project_name is empty: give the project a name, e.g. 'Team Chat'."
    if not any(character.isalnum() for character in name):
        return (
            f"project_name {name!r} has no letter or digit to make the project_slug of: "
            "give the project a name, e.g. 'Team Chat'."
        )
    return None


def check_project_slug(answers: dict) -> str | None:
    slug = answers["project_slug"]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", slug) or keyword.iskeyword(slug):
        return (
            f"project_slug {slug!r} is not a lowercase Python identifier: use lowercase "
            "letters, digits and underscores, starting with a letter (e.g. 'team_chat'). "
            "It is made from project_name unless given: answer its prompt, or pass "
            "project_slug=team_chat on the command line."
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
