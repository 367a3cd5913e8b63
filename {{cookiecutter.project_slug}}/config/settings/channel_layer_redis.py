"""Redis channel layer: any number of server processes share groups through Redis.

https://github.com/django/channels_redis
"""

from .environment import env

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Namespaces every key, so several projects (or test runs) can share one Redis.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="{{ cookiecutter.project_slug }}")

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # A receive blocks in Redis for 5 s (BZPOPMIN); redis-py 8 also gives up reading
            # after 5 s, so an idle receive would time out on our side just as Redis answers,
            # dropping an event popped in that instant. Read longer than Redis blocks.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 10}],
            "prefix": f"{REDIS_KEY_PREFIX}:asgi",
            # One channel per process carries every room's events (chat/realtime/hub.py): room for
            # bursts. Over capacity, group_send drops the event (logged at INFO).
            "capacity": 1000,
        },
    }
}

# Shared by every process, so a WebSocket ticket issued by one is redeemed by another.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_KEY_PREFIX,
    }
}
