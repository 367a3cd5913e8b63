"""per_loop: one instance per event loop, whichever loop asked last."""

import asyncio

from chat.realtime.per_loop import per_loop


def test_each_loop_keeps_its_own_instance_whichever_asked_last():
    get = per_loop(object)

    async def ask():
        return get()

    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        in_first = first.run_until_complete(ask())
        in_second = second.run_until_complete(ask())
        assert in_first is not in_second
        # Back and forth: each loop is given its own again, not the last one made.
        assert first.run_until_complete(ask()) is in_first
        assert second.run_until_complete(ask()) is in_second
        assert second.run_until_complete(ask()) is in_second
    finally:
        first.close()
        second.close()
