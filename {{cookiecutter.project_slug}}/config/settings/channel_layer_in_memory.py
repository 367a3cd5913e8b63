"""In-memory channel layer: one server process, nothing else to run.

Groups live inside the process, so run a single server process; choose the
Redis layer (regenerate, or see README) to run several.
https://channels.readthedocs.io/en/stable/topics/channel_layers.html
"""

# No Redis: presence and the layer's health are this process's own business.
REDIS_URL = None

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels.layers.InMemoryChannelLayer",
        # One channel per process carries all rooms' events (chat/realtime/hub.py): room for bursts.
        "CONFIG": {"capacity": 1000},
    }
}

# Per-process cache: WebSocket tickets are redeemed by the process that issued them. It holds
# the throttles' counts and the ends of credentials too, which must not be pushed out: at
# Django's default of 300 entries, a few hundred junk logins culled the count of an account
# being guessed at. At 100,000 (some 40 MB at most) a flood must be hundreds of times larger.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
