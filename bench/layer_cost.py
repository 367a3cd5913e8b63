"""What one message through a Redis channel layer costs the process that sends and receives it.

The hub publishes each room event (a batch of them under load) with one group_send, and every
process's hub takes it with one receive (chat/realtime/hub.py). This measures the CPU of that
pair for channels-redis's two layers, against the Redis the benchmark uses, on uvloop as the
production server runs: the core layer (groups and queues kept in Redis as sorted sets) and the
pub/sub layer the template configures (PUBLISH and SUBSCRIBE). Ratios are against the core
layer, run by run.

    uv run python bench/layer_cost.py [--messages 2000] [--runs 3]
"""

import argparse
import statistics
import time
import uuid

import uvloop
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from servers import REDIS_URL

# A room event as the hub sends it: a frame already encoded, of a typical message's size.
EVENT = {"type": "fanout.room", "room": 1, "frame": "x" * 300, "seq": 1}
LAYERS = {"core": RedisChannelLayer, "pubsub": RedisPubSubChannelLayer}


async def cpu_per_message(layer_class, messages: int) -> float:
    """Microseconds of this process's CPU per group_send and the receive that takes it."""
    layer = layer_class(hosts=[REDIS_URL], prefix=f"bench-layer-{uuid.uuid4().hex[:8]}")
    channel = await layer.new_channel()
    await layer.group_add("room", channel)
    try:
        for _ in range(10):  # connections open, scripts loaded: not what is measured
            await layer.group_send("room", EVENT)
            await layer.receive(channel)
        started = time.process_time()
        for _ in range(messages):
            await layer.group_send("room", EVENT)
            await layer.receive(channel)
        return (time.process_time() - started) / messages * 1e6
    finally:
        await layer.group_discard("room", channel)
        await layer.flush()


async def measure(messages: int, runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {name: [] for name in LAYERS}
    for _ in range(runs):
        for name, layer_class in LAYERS.items():
            results[name].append(await cpu_per_message(layer_class, messages))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = uvloop.run(measure(args.messages, args.runs))
    for name, values in results.items():
        ratios = [value / core for value, core in zip(values, results["core"], strict=True)]
        print(
            f"{name:7} {statistics.median(values):7.0f} us per message "
            f"({min(values):.0f} to {max(values):.0f}), "
            f"x core {statistics.median(ratios):.2f} ({min(ratios):.2f} to {max(ratios):.2f})"
        )


if __name__ == "__main__":
    main()
