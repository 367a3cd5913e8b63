"""Shape the generated project to the answers, give it its own secret, lock its
dependencies, print the next steps.

Cookiecutter renders the answers into the string below as JSON (a raw string, so an
answer's quotes and backslashes stay data), and the hook parses it only when run: the
file is plain Python that ruff checks and the template's tests import (tests/test_hooks.py).
"""

import json
import secrets
import shutil
import subprocess
from pathlib import Path

ANSWERS_JSON = r"""{{ cookiecutter | tojson }}"""

# The files that exist only for some answers. A file listed under several answers of
# one question stays when any of them was chosen; the others' files are removed.
TOKEN_AUTH_SOCKETS = [
    "accounts/websocket_auth.py",
    "accounts/tickets.py",
    "accounts/tests/test_credential_sockets.py",
    "webclient/static/webclient/auth/credentials.js",
]
EXPIRING_CREDENTIALS = ["accounts/tests/test_expiring_credentials.py"]
GROUP_ROOMS = [
    "chat/domain/group_rooms.py",
    "chat/domain/group_moderation.py",
    "chat/domain/invitations.py",
    "chat/api/group_views.py",
    "chat/api/group_serializers.py",
    "chat/tests/test_group_rooms.py",
    "chat/tests/test_group_membership.py",
    "chat/tests/test_group_fanout.py",
    "chat/tests/fixtures_group.py",
    "webclient/tests/fixtures_group.py",
    "webclient/tests/test_room_settings.py",
    "webclient/tests/test_members.py",
]
DIRECT_ROOMS = [
    "chat/domain/direct_rooms.py",
    "chat/domain/blocks.py",
    "chat/api/direct_views.py",
    "chat/api/direct_serializers.py",
    "chat/tests/test_direct_rooms.py",
    "chat/tests/test_direct_privacy.py",
    "chat/tests/fixtures_direct.py",
    "webclient/tests/fixtures_direct.py",
    "webclient/tests/test_blocking.py",
    "webclient/tests/test_hiding.py",
]
FILES_BY_ANSWER = {
    "auth": {
        "session": [
            "config/settings/auth_session.py",
            "accounts/auth_session.py",
            "accounts/session_authentication.py",
            "accounts/session_store.py",
            "accounts/tests/test_auth_session.py",
            "accounts/tests/fixtures_session.py",
            "webclient/static/webclient/auth/session.js",
            "webclient/tests/test_session_tabs.py",
        ],
        "token": [
            "config/settings/auth_token.py",
            "accounts/auth_token.py",
            "accounts/token_authentication.py",
            "accounts/tests/test_auth_token.py",
            "accounts/tests/fixtures_token.py",
            "webclient/static/webclient/auth/token.js",
            *TOKEN_AUTH_SOCKETS,
        ],
        "knox": [
            "config/settings/auth_knox.py",
            "accounts/auth_knox.py",
            "accounts/tests/test_auth_knox.py",
            "accounts/tests/fixtures_knox.py",
            "webclient/static/webclient/auth/knox.js",
            *TOKEN_AUTH_SOCKETS,
            *EXPIRING_CREDENTIALS,
        ],
        "jwt": [
            "config/settings/auth_jwt.py",
            "accounts/auth_jwt.py",
            "accounts/jwt_authentication.py",
            "accounts/tests/test_auth_jwt.py",
            "accounts/tests/fixtures_jwt.py",
            "webclient/static/webclient/auth/jwt.js",
            "webclient/tests/test_duplicated_tabs.py",
            *TOKEN_AUTH_SOCKETS,
            *EXPIRING_CREDENTIALS,
        ],
    },
    "channel_layer": {
        "in_memory": ["config/settings/channel_layer_in_memory.py"],
        "redis": [
            "config/settings/channel_layer_redis.py",
            "chat/tests/test_two_processes.py",
            "accounts/tests/test_revocation_across_processes.py",
            "chat/tests/test_delivery_interruptions.py",
            "chat/tests/redis_server.py",
            "webclient/tests/test_live_delivery.py",
            "chat/tests/test_state_across_processes.py",
        ],
    },
    "room_model": {
        # The README's picture: a group room, or for a project of 1-to-1s only, a 1-to-1.
        "group": [*GROUP_ROOMS, "docs/screenshot.png"],
        "direct": [*DIRECT_ROOMS, "docs/screenshot_direct.png"],
        # The web client's conversation tests run in a group here; this one, in a 1-to-1.
        "both": [
            *GROUP_ROOMS,
            *DIRECT_ROOMS,
            "webclient/tests/test_both_room_kinds.py",
            "docs/screenshot.png",
        ],
    },
    "use_docker": {
        "yes": ["Dockerfile", ".dockerignore", "compose.yaml", "docker"],
        "no": [],
    },
}


def excluded_paths(answers: dict) -> set[str]:
    """The table's paths that these answers leave out."""
    excluded = set()
    for question, files_by_answer in FILES_BY_ANSWER.items():
        kept = set(files_by_answer[answers[question]])
        for files in files_by_answer.values():
            excluded.update(set(files) - kept)
    return excluded


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def remove_unchosen(project: Path, answers: dict) -> None:
    for relative in sorted(excluded_paths(answers)):
        remove(project / relative)


# Lines of .env.example left empty for a value generated per project.
GENERATED_SECRETS = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD")


def write_env_file(project: Path) -> None:
    """.env = .env.example with fresh secrets: never the same secret in two projects."""
    lines = []
    for line in (project / ".env.example").read_text().splitlines():
        name, _, value = line.partition("=")
        if name in GENERATED_SECRETS and not value:
            line = f"{name}={secrets.token_urlsafe(50)}"
        lines.append(line)
    (project / ".env").write_text("\n".join(lines) + "\n")


# uv resolves from its cache in a second or two; a cold cache or a slow index takes longer,
# and a hook that hangs is worse than a project without a lock file yet.
LOCK_TIMEOUT = 180


def lock(project: Path) -> str | None:
    """Write uv.lock (every dependency pinned, for `uv sync --frozen` and the Dockerfile).

    Returns None once it is written, else why not (no uv, offline, ...): generation
    succeeds all the same, and the next steps say to run `uv lock`.
    """
    uv = shutil.which("uv")
    if uv is None:
        return "uv is not on PATH"
    try:
        completed = subprocess.run(
            [uv, "lock", "--quiet"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return f"uv lock took over {LOCK_TIMEOUT} s"
    except OSError as error:
        return f"uv could not run ({error})"
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return lines[-1].strip() if lines else f"uv lock exited {completed.returncode}"
    return None


def next_steps(slug: str, lock_problem: str | None, channel_layer: str) -> str:
    steps = [f"\nCreated {slug}/. Next steps:", f"  cd {slug}"]
    if lock_problem:
        steps.append(
            f"  uv lock   # pins every dependency in uv.lock; not done now: {lock_problem}"
        )
    if channel_layer == "redis":
        steps.append("  redis-server --daemonize yes   # or any Redis, named by REDIS_URL in .env")
    steps += [
        "  uv run python manage.py migrate && uv run python manage.py runserver   # serve",
        "  uv run pytest                                                         # test",
        "See README.md for the API, the WebSocket protocol and deployment.\n",
    ]
    return "\n".join(steps)


def main(project: Path, answers: dict) -> None:
    remove_unchosen(project, answers)
    write_env_file(project)
    print(next_steps(answers["project_slug"], lock(project), answers["channel_layer"]))


if __name__ == "__main__":
    main(Path.cwd(), json.loads(ANSWERS_JSON))
