"""Throttle tests run at the production rates, on a cache of their own."""

import uuid

from config.settings import base


def use_production_throttle_rates(settings, **rates: str) -> None:
    """Put back the rates test settings raise, but for the scopes given in `rates`, and count
    from zero in a fresh cache: earlier tests' requests, from the same address and users, must
    not count."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-test-{uuid.uuid4().hex}",
        }
    }
