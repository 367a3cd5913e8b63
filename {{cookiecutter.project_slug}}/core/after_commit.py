"""Work that follows a commit and must not fail the request that committed."""

from collections.abc import Callable

from django.db import transaction


def after_commit(function: Callable, *args, **kwargs) -> None:
    """Call function(*args, **kwargs) once the current transaction commits; a failure (the
    channel layer or the cache unreachable) is logged, not raised: what committed stands.

    Not a functools.partial handed to on_commit(robust=True): Django names a failed callback
    by its __qualname__, which a partial lacks, so the failure became an AttributeError
    raised into the request (a 500 for a logout that had happened).
    """

    def call() -> None:
        function(*args, **kwargs)

    call.__qualname__ = getattr(function, "__qualname__", repr(function))
    transaction.on_commit(call, robust=True)
