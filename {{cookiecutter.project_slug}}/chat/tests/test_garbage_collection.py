"""The server process's garbage collector, as config/asgi.py tunes it once the app is loaded."""

import gc


def test_loading_the_application_freezes_startup_and_collects_young_objects_less_often():
    import config.asgi  # noqa: F401

    # Frozen: never walked again by a collection.
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == (7_000, 10, 10)
