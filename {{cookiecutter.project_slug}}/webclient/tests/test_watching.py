"""The watch on every page (conftest.py) sees what it must: were it blind, the client's tests
would pass whatever the pages logged."""

import pytest

from webclient.tests.conftest import REPORT_CSP_VIOLATIONS, PageProblems

pytestmark = pytest.mark.browser

# An inline script and an inline handler under the client's policy: both refused. The page's
# own script then logs an error and throws.
PAGE = """<!doctype html><title>watched</title>
<script>alert("inline")</script>
<img src="data:," onerror="alert('handler')" alt="">
<script src="/own.js"></script>"""
OWN_SCRIPT = """console.error("logged");
setTimeout(() => { throw new Error("thrown"); });
setTimeout(() => confirm("sure?"));
setTimeout(() => console.log("done"), 10);"""


def test_the_watch_reports_violations_console_errors_exceptions_and_dialogs(chromium):
    problems = PageProblems()
    context = chromium.new_context(base_url="http://watched.test")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("page", problems.watch)
    csp = {"Content-Security-Policy": "default-src 'self'; script-src 'self'"}
    context.route(
        "**/own.js",
        lambda route: route.fulfill(body=OWN_SCRIPT, content_type="text/javascript", headers=csp),
    )
    context.route(
        "**/", lambda route: route.fulfill(body=PAGE, content_type="text/html", headers=csp)
    )
    page = context.new_page()
    with page.expect_console_message(lambda message: message.text == "done"):
        page.goto("/")
    report = "\n".join(problems.problems)
    assert report.count("CSP violation: script-src") >= 2, report
    assert "console error: logged" in report
    assert "uncaught: thrown" in report
    assert "dialog confirm: sure?" in report
    context.close()
