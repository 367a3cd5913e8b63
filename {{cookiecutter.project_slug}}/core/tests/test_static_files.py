"""Static files in production: collected, hashed, compressed and served by the app server
itself (whitenoise), with the Content-Security-Policy on every page."""

import gzip
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings

from config.tests.production import production_settings


@pytest.fixture(scope="module")
def production_static_files(tmp_path_factory):
    """The production storage and serving, on static files collected into a fresh directory:
    once for the module, collectstatic hashing and compressing every file (the API docs'
    among them) but the source maps. The directory."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        production = production_settings(monkeypatch)
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root,
        STORAGES={**settings.STORAGES, "staticfiles": production.STORAGES["staticfiles"]},
        WHITENOISE_USE_FINDERS=production.WHITENOISE_USE_FINDERS,
        WHITENOISE_SKIP_COMPRESS_EXTENSIONS=production.WHITENOISE_SKIP_COMPRESS_EXTENSIONS,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture
def collected(production_static_files):
    return Client()  # a new client: whitenoise reads STATIC_ROOT when its middleware is built


def test_the_admin_stylesheet_is_served_hashed_compressed_and_cached_for_long(collected):
    url = static("admin/css/base.css")
    assert url != "/static/admin/css/base.css", "not a hashed name"
    response = collected.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b"body" in gzip.decompress(b"".join(response.streaming_content))
    assert "immutable" in response["Cache-Control"]


def test_scripts_are_compressed_and_source_maps_are_not(production_static_files):
    compressed = {path.name for path in production_static_files.rglob("*.gz")}
    assert any(re.fullmatch(r"swagger-ui-bundle\.(\w+\.)?js\.gz", name) for name in compressed)
    assert any(path.name.endswith(".map") for path in production_static_files.rglob("*"))
    assert not [name for name in compressed if name.endswith(".map.gz")]


def test_a_static_file_that_does_not_exist_is_a_404(collected):
    assert collected.get("/static/admin/css/no-such-file.css").status_code == 404


@pytest.mark.django_db
def test_every_page_carries_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    directives = dict(
        (name, value)
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
    )
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
