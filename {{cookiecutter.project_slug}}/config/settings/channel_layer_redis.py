"""Redis channel layer: any number of server processes share groups through Redis.

https://github.com/django/channels_redis
"""

from core.redis_connections import count_reconnections

from .environment import env

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Namespaces every key, so several projects (or test runs) can share one Redis.
REDIS_KEY_PREFIX = env("REDIS_KEY_PREFIX", default="{{ cookiecutter.project_slug }}")

CHANNEL_LAYERS = {
    "default": {
        # Pub/sub: a room event is one PUBLISH, and each process subscribed to the room gets it
        # once. The core layer (channels_redis.core) queues events in Redis instead, at eight
        # round trips each (bench/layer_cost.py in the template's repository). Pub/sub keeps
        # nothing for a subscriber that is away: the hub finds out and has its sockets catch up
        # (core/redis_connections.py, chat/realtime/layer_watch.py).
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": REDIS_URL,
                    # A publish to a Redis that stopped answering fails instead of hanging.
                    "socket_timeout": 5,
                    # Counts the reconnections after which a subscriber may have missed events.
                    "redis_connect_func": count_reconnections,
                }
            ],
            "prefix": f"{REDIS_KEY_PREFIX}:asgi",
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
