"""Work after a commit that fails (the layer or the cache unreachable) fails alone."""

import logging

import pytest
from django.db import transaction

from core.after_commit import after_commit

pytestmark = pytest.mark.django_db(transaction=True)


def unreachable(*args, **kwargs):
    raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_failure_after_the_commit_is_logged_not_raised(caplog):
    called = []
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"), transaction.atomic():
        after_commit(unreachable, 7, credential="c")
        after_commit(called.append, "the next one still runs")
    assert called == ["the next one still runs"]
    assert "Error calling unreachable in on_commit()" in caplog.text
