"""The lean queue and event (chat/realtime/lean_asyncio.py) behave as asyncio's do, for what
uvicorn's protocol asks of them, and hold far less while idle: each test runs on both."""

import asyncio
import tracemalloc

import pytest

from chat.realtime.lean_asyncio import LeanEvent, LeanQueue

queues = pytest.mark.parametrize("make_queue", [asyncio.Queue, LeanQueue])
events = pytest.mark.parametrize("make_event", [asyncio.Event, LeanEvent])


@queues
async def test_items_come_out_in_the_order_they_went_in(make_queue):
    queue = make_queue()
    assert queue.empty() and queue.qsize() == 0
    for item in ("a", "b", "c"):
        queue.put_nowait(item)
    assert not queue.empty() and queue.qsize() == 3
    assert [await queue.get(), queue.get_nowait(), await queue.get()] == ["a", "b", "c"]
    assert queue.empty()
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


@queues
async def test_getters_wait_for_items_and_are_served_first_come_first_served(make_queue):
    queue = make_queue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0)  # both are waiting now
    assert not first.done() and not second.done()
    queue.put_nowait("one")
    queue.put_nowait("two")
    assert [await first, await second] == ["one", "two"]


@queues
async def test_a_getter_cancelled_after_it_was_woken_loses_no_item(make_queue):
    queue = make_queue()
    woken = asyncio.create_task(queue.get())
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("item")  # wakes `woken`, which is cancelled before it takes the item
    woken.cancel()
    assert await waiting == "item"
    assert woken.cancelled()


@queues
async def test_a_cancelled_getter_does_not_take_the_next_item(make_queue):
    queue = make_queue()
    cancelled = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    queue.put_nowait("item")
    assert await queue.get() == "item"


@events
async def test_waiters_wait_until_the_event_is_set(make_event):
    event = make_event()
    assert not event.is_set()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(waiter.done() for waiter in waiters)
    event.set()
    assert await asyncio.gather(*waiters) == [True, True, True]
    assert event.is_set() and await event.wait() is True


@events
async def test_a_cleared_event_makes_waiters_wait_again_and_a_cancelled_one_is_dropped(
    make_event,
):
    event = make_event()
    event.set()
    event.clear()
    assert not event.is_set()
    cancelled = asyncio.create_task(event.wait())
    waiting = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    event.set()
    assert await waiting is True
    assert cancelled.cancelled()


async def idle_bytes(make_queue, make_event, count: int = 200) -> float:
    """Bytes per socket of a receive queue with its application waiting on it, and a set
    writable event: what an idle socket's protocol holds."""
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        held = []
        for _ in range(count):
            queue, event = make_queue(), make_event()
            event.set()
            held.append((queue, event, asyncio.create_task(queue.get())))
        await asyncio.sleep(0)  # every get is waiting now
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    for _, _, getter in held:
        getter.cancel()
    await asyncio.gather(*(getter for _, _, getter in held), return_exceptions=True)
    return sum(stat.size_diff for stat in after.compare_to(before, "filename")) / count


async def test_an_idle_socket_holds_a_fraction_of_what_asyncios_queue_and_event_hold():
    lean = await idle_bytes(LeanQueue, LeanEvent)
    stock = await idle_bytes(asyncio.Queue, asyncio.Event)
    # Both hold the waiting task; asyncio's also four empty deques of 760 bytes each.
    assert stock - lean > 2500, (stock, lean)
