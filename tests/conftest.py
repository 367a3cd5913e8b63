"""The template tests' fixtures: a per-worker cache of bakes, the services bakes need.

Helpers that test modules import are in support.py (a conftest is loaded by pytest, not
imported by tests)."""

import os
import socket
import uuid
from pathlib import Path

import pytest
from support import FUZZ_COMBINATIONS, bake_from_uv_cache, combination_id, service_unavailable


def pytest_collection_modifyitems(items):
    """Keep every test of one combination on one xdist worker, so each bakes it once; the
    combinations whose generated suite runs whole (the slowest, minutes each) first, so that no
    worker is left with one of them at the end while the other waits."""
    for item in items:
        answers = getattr(item, "callspec", None) and item.callspec.params.get("answers")
        if answers:
            item.add_marker(pytest.mark.xdist_group(combination_id(answers)))
    items.sort(key=lambda item: not runs_whole_suite(item))


def runs_whole_suite(item) -> bool:
    answers = getattr(item, "callspec", None) and item.callspec.params.get("answers")
    return bool(answers) and {**answers, "use_docker": "no"} in FUZZ_COMBINATIONS


@pytest.fixture(scope="session")
def bake(cookies_session):
    """bake(answers) -> the generated project's directory, baked once per worker."""
    baked: dict[str, Path] = {}

    def bake_once(answers: dict) -> Path:
        key = combination_id(answers)
        if key not in baked:
            context = {"project_slug": "chat_server", **answers}
            baked[key] = bake_from_uv_cache(cookies_session, context)
        return baked[key]

    return bake_once


@pytest.fixture
def postgres_database():
    """A fresh, uniquely named PostgreSQL database on the local server; dropped afterwards."""
    import psycopg

    admin_url = os.environ.get("TEMPLATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    name = f"bake_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        service_unavailable("PostgreSQL", admin_url, error)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{admin_url}/{name}"
        # With it, the test databases pytest-django made from its name (one per xdist worker),
        # which it leaves when a thread of a test still holds a connection at its teardown.
        made = admin.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            [name, f"test_{name}%"],
        )
        for (database,) in made.fetchall():
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def services_for(request):
    """services_for(answers): make sure the services a baked project's tests need are up."""

    def check(answers: dict) -> None:
        if answers["channel_layer"] == "redis":
            try:
                socket.create_connection(("127.0.0.1", 6379), timeout=3).close()
            except OSError as error:
                service_unavailable("Redis", "127.0.0.1:6379", error)

    return check
