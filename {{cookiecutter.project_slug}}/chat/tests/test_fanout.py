"""The process's hub (chat/fanout.py): how it receives from the layer and how it stops."""

import asyncio

from channels.layers import InMemoryChannelLayer

from chat.fanout import Hub


class CancellationSwallowingLayer(InMemoryChannelLayer):
    """The in-memory layer, except that a wait swallows its first cancellation, as redis-py's
    reads can (the cancellation becomes a timeout that redis-py retries)."""

    swallowed = False

    async def receive(self, channel):
        while True:
            try:
                return await super().receive(channel)
            except asyncio.CancelledError:
                if self.swallowed:
                    raise
                self.swallowed = True


async def test_a_hub_stops_when_cancelled_even_if_the_layer_swallows_a_cancellation():
    hub = Hub()
    hub.layer = CancellationSwallowingLayer()
    await hub.start()
    await asyncio.sleep(0)  # let the receive start waiting
    for task in hub.tasks:
        task.cancel()
    _, still_running = await asyncio.wait(hub.tasks, timeout=5)
    assert hub.layer.swallowed
    assert not still_running
