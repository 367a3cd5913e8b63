"""Under ASGI, Django runs a sync-only middleware in a thread, and the middleware after it back
on the event loop: each such switch is a hop between threads for every request."""

from django.conf import settings
from django.utils.module_loading import import_string


def test_only_the_last_middleware_is_sync_only_so_a_request_enters_one_thread_once():
    sync_only = [
        path
        for path in settings.MIDDLEWARE
        if not getattr(import_string(path), "async_capable", False)
    ]
    # WhiteNoise (sync only) last: it runs in the view's thread, right before the view.
    assert sync_only == ["whitenoise.middleware.WhiteNoiseMiddleware"]
    assert settings.MIDDLEWARE[-1] == sync_only[0]
