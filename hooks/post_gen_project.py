"""Shape the generated project to the answers, give it its own secret, print the next steps."""

import secrets
import shutil
from pathlib import Path

ANSWERS = {
    "project_slug": {{ cookiecutter.project_slug | tojson }},
    "auth": {{ cookiecutter.auth | tojson }},
    "channel_layer": {{ cookiecutter.channel_layer | tojson }},
    "room_model": {{ cookiecutter.room_model | tojson }},
    "use_docker": {{ cookiecutter.use_docker | tojson }},
}

# The files that exist only for some answers. A file listed under several answers of
# one question stays when any of them was chosen; the others' files are removed.
TOKEN_AUTH_SOCKETS = [
    "accounts/websocket_auth.py",
    "accounts/tickets.py",
    "accounts/tests/test_credential_sockets.py",
]
EXPIRING_CREDENTIALS = ["accounts/tests/test_expiring_credentials.py"]
GROUP_ROOMS = [
    "chat/domain/group_rooms.py",
    "chat/api/group_views.py",
    "chat/tests/test_group_rooms.py",
    "chat/tests/test_group_fanout.py",
]
DIRECT_ROOMS = [
    "chat/domain/direct_rooms.py",
    "chat/api/direct_views.py",
    "chat/tests/test_direct_rooms.py",
]
FILES_BY_ANSWER = {
    "auth": {
        "session": [
            "config/settings/auth_session.py",
            "accounts/auth_session.py",
            "accounts/tests/test_auth_session.py",
            "accounts/tests/fixtures_session.py",
        ],
        "token": [
            "config/settings/auth_token.py",
            "accounts/auth_token.py",
            "accounts/tests/test_auth_token.py",
            "accounts/tests/fixtures_token.py",
            *TOKEN_AUTH_SOCKETS,
        ],
        "knox": [
            "config/settings/auth_knox.py",
            "accounts/auth_knox.py",
            "accounts/tests/test_auth_knox.py",
            "accounts/tests/fixtures_knox.py",
            *TOKEN_AUTH_SOCKETS,
            *EXPIRING_CREDENTIALS,
        ],
        "jwt": [
            "config/settings/auth_jwt.py",
            "accounts/auth_jwt.py",
            "accounts/tests/test_auth_jwt.py",
            "accounts/tests/fixtures_jwt.py",
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
            "chat/tests/test_state_across_processes.py",
        ],
    },
    "room_model": {
        "group": GROUP_ROOMS,
        "direct": DIRECT_ROOMS,
        "both": [*GROUP_ROOMS, *DIRECT_ROOMS],
    },
    "use_docker": {
        "yes": ["Dockerfile", ".dockerignore", "compose.yaml", "docker"],
        "no": [],
    },
}


def excluded_paths(answers: dict) -> set[str]:
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


def main() -> None:
    project = Path.cwd()
    for relative in sorted(excluded_paths(ANSWERS)):
        remove(project / relative)
    write_env_file(project)
    slug = ANSWERS["project_slug"]
    print(
        f"\nCreated {slug}/. Next steps:\n"
        f"  cd {slug}\n"
        "  uv run python manage.py migrate && uv run python manage.py runserver   # serve\n"
        "  uv run pytest                                                         # test\n"
        "See README.md for the API, the WebSocket protocol and deployment.\n"
    )


if __name__ == "__main__":
    main()
