"""Publishing a change to sockets once, and only once, it is committed."""

from collections.abc import Callable

from django.db import transaction


def publish_after_commit(publish: Callable[[], None]) -> None:
    """Run `publish` once the transaction commits; a failure to publish is logged, not raised.

    What is committed stands: answering an error would have the client retry a change that
    exists. Sockets that missed the event catch up by cursor (docs/websocket.md).
    """
    transaction.on_commit(publish, robust=True)
