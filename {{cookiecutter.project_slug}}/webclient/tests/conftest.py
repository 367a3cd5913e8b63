"""The web client in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), against a real server process.

Every page of a test is watched: a console error, an uncaught exception, a
Content-Security-Policy violation or a dialog (alert, confirm) fails the test.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

# Debian's package (`apt-get install -y chromium`); CHROMIUM names another build of it.
CHROMIUM = Path(os.environ.get("CHROMIUM") or "/usr/bin/chromium")

# Auto-waiting assertions wait this long: a 2-core machine running two test workers is slow.
expect.set_options(timeout=10_000)

# Chromium logs violations to the console; the event also names the directive and what it
# blocked, so each page reports them itself, before any of its own scripts runs.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class PageProblems:
    """What went wrong in the pages of one test: console errors (CSP violations among
    them), uncaught exceptions and dialogs."""

    def __init__(self):
        self.problems: list[str] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Tolerate console errors that match: the browser's own network errors while a
        test takes the server down, say. Never uncaught exceptions or violations."""
        self.allowed.append(re.compile(pattern))

    def assert_none(self) -> None:
        """Fail the test (rather than its teardown) if any page reported a problem."""
        problems, self.problems = self.problems, []
        assert not problems, "the pages reported problems:\n" + "\n".join(problems)

    def watch(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught: {error}"))
        page.on("dialog", self._dialog)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        tolerated = any(pattern.search(text) for pattern in self.allowed)
        if not tolerated or text.startswith("CSP violation"):
            self.problems.append(f"console error: {text} ({message.location.get('url')})")

    def _dialog(self, dialog) -> None:
        self.problems.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def chromium(monkeypatch):
    """The system's Chromium, launched for one test."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop running in this thread while the browser is
    # open, which Django takes for an async context: the test's own database work (users,
    # messages sent over REST) is synchronous code all the same. Servers keep the check.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def page_problems():
    problems = PageProblems()
    yield problems
    if problems.problems:
        pytest.fail("the pages reported problems:\n" + "\n".join(problems.problems))


# Presence on (the test settings turn it off), and Django's async check kept, whatever the
# test process's environment (the chromium fixture's).
WEB_SERVER_ENV = {"CHAT_PRESENCE": "true", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}


@pytest.fixture(scope="session")
def web_server(start_server):
    """A server process for the browser tests that leave it running (starting one takes
    seconds); each test's users and rooms are its own all the same."""
    return start_server(WEB_SERVER_ENV)


@pytest.fixture
def own_web_server(start_server):
    """A server process of the test's own, to stop and restart (.stop(), .restart())."""
    return start_server(WEB_SERVER_ENV)


@pytest.fixture
def new_context(chromium, page_problems, request):
    """new_context(server=None) -> a browser context (one person's browser: its own storage)
    whose pages are watched and whose relative URLs go to that server (web_server's if None)."""

    def new(server: str | None = None):
        server = server or request.getfixturevalue("web_server")
        context = chromium.new_context(base_url=f"http://{server}")
        # Actions (clicks, fills) wait as long as assertions, not Playwright's 30 s.
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        context.on("page", page_problems.watch)
        return context

    return new
