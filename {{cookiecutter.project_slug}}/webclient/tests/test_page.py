"""The page the web client starts from: served at /, with nothing inline for the CSP to refuse,
naming the auth module of this project's mode."""

import re
from html.parser import HTMLParser
from importlib.util import find_spec

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static

# Taking the app out of INSTALLED_APPS is enough to drop the client (README, "Web client").
pytestmark = pytest.mark.skipif(
    not apps.is_installed("webclient"), reason="the web client is not installed"
)


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.inline_script_text = ""
        self.attributes: list[tuple[str, str, str | None]] = []
        self.labels: dict[str, str] = {}
        self._in_script = False
        self._label_for: str | None = None
        self.body: dict = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.attributes.extend((tag, name, value) for name, value in attrs)
        if tag == "script":
            self.scripts.append(attributes)
            self._in_script = True
        if tag == "label" and attributes.get("for"):
            self._label_for = attributes["for"]
            self.labels[self._label_for] = ""
        if tag == "body":
            self.body = attributes

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._in_script:
            self.inline_script_text += data.strip()
        if self._label_for:
            self.labels[self._label_for] += data


@pytest.fixture
def page(client) -> PageParser:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    parser = PageParser()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.django_db
def test_the_page_has_no_inline_script_style_or_handler(page):
    assert page.scripts, "the client is loaded by a script"
    assert all(script.get("src") and script.get("type") == "module" for script in page.scripts)
    assert page.inline_script_text == ""
    names = {name for _, name, _ in page.attributes}
    assert "style" not in names
    assert not [name for name in names if re.fullmatch(r"on\w+", name)]


@pytest.mark.django_db
def test_favicon_ico_is_the_web_clients_icon(client):
    """Asked for by every page that names no icon (the admin's): not a 404 in its console."""
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, static("webclient/favicon.svg"))
    assert finders.find("webclient/favicon.svg")


@pytest.mark.django_db
def test_the_page_names_this_auth_modes_module_and_it_exists(page):
    assert page.body["data-auth-module"] == static(settings.WEBCLIENT_AUTH_MODULE)
    assert finders.find(settings.WEBCLIENT_AUTH_MODULE)
    for module in ("app.js", "api.js", "socket.js", "store.js", "app.css"):
        assert finders.find(f"webclient/{module}")


@pytest.mark.django_db
def test_the_fields_have_the_labels_the_client_is_known_by(page):
    labels = {text.strip() for text in page.labels.values()}
    assert {"Username", "Password", "Message"} <= labels


@pytest.mark.django_db
def test_the_page_offers_the_room_kinds_this_project_has(page):
    # The generator keeps each kind's views only when the project has that kind.
    kinds = {
        "data-group-rooms": "chat.api.group_views",
        "data-direct-rooms": "chat.api.direct_views",
    }
    for attribute, module in kinds.items():
        assert page.body[attribute] == str(find_spec(module) is not None).lower()
