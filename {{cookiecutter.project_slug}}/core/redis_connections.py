"""Counts the Redis connections that came back after breaking: what a subscriber missed meanwhile.

Redis pub/sub delivers a message only to the connections subscribed when it is published.
redis-py reconnects a broken connection and subscribes it again by itself, often without an
error reaching the caller, so what was published in between is gone without a trace. The
channel layer's hosts name `count_reconnections` as their `redis_connect_func` (a redis-py
connection option), and the hub's layer watch (chat/realtime/layer_watch.py) has its sockets
fetch what they missed whenever `reconnections()` grows.
"""

_reconnections = 0


async def count_reconnections(connection) -> None:
    """Set up a connection as redis-py would, counting it if it had been connected before."""
    global _reconnections
    await connection.on_connect()
    if getattr(connection, "connected_before", False):
        _reconnections += 1
    connection.connected_before = True


def reconnections() -> int:
    """How many times a connection of this process reconnected, so far."""
    return _reconnections
