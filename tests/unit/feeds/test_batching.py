"""Group commits (bot.feeds.batching): who waits is stored together, each gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.feeds.batching import Batcher


class Recorder:
    """A store that records its batches, can be held open, and refuses 'bad' items."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = asyncio.Event()
        self.release.set()

    async def run(self, items: Sequence[str]) -> list[str]:
        self.batches.append(list(items))
        await self.release.wait()
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]


async def test_items_that_arrive_during_a_batch_are_stored_together_next() -> None:
    store = Recorder()
    batcher = Batcher(store.run)
    store.release.clear()
    first = asyncio.create_task(batcher.submit("a"))
    await asyncio.sleep(0)  # "a" is being stored
    later = [asyncio.create_task(batcher.submit(item)) for item in ("b", "c", "d")]
    await asyncio.sleep(0)
    store.release.set()

    assert await first == "A"
    assert await asyncio.gather(*later) == ["B", "C", "D"]
    assert store.batches == [["a"], ["b", "c", "d"]]


async def test_one_failing_item_fails_alone() -> None:
    store = Recorder()
    batcher = Batcher(store.run)
    store.release.clear()
    blocker = asyncio.create_task(batcher.submit("x"))
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(batcher.submit(item)) for item in ("a", "bad", "c")]
    await asyncio.sleep(0)
    store.release.set()
    await blocker

    results = await asyncio.gather(*tasks, return_exceptions=True)

    assert results[0] == "A"
    assert results[2] == "C"
    assert isinstance(results[1], ValueError)
    # Tried together first, then one by one.
    assert store.batches[1:] == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


async def test_a_submitter_cancelled_while_waiting_is_not_stored() -> None:
    store = Recorder()
    batcher = Batcher(store.run)
    store.release.clear()
    blocker = asyncio.create_task(batcher.submit("x"))
    await asyncio.sleep(0)
    gone = asyncio.create_task(batcher.submit("gone"))
    kept = asyncio.create_task(batcher.submit("kept"))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    store.release.set()

    assert await kept == "KEPT"
    await blocker
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert all("gone" not in batch for batch in store.batches)


async def test_a_batch_cancelled_halfway_leaves_the_others_to_be_stored() -> None:
    batches: list[list[str]] = []
    first_done = asyncio.Event()
    held = asyncio.Event()

    async def run(items: Sequence[str]) -> list[str]:
        batches.append(list(items))
        if "x" in items:
            await first_done.wait()
        if "a" in items:
            held.set()
            await asyncio.Event().wait()  # until cancelled
        return [item.upper() for item in items]

    batcher = Batcher(run)
    first = asyncio.create_task(batcher.submit("x"))
    await asyncio.sleep(0)
    leader = asyncio.create_task(batcher.submit("a"))
    follower = asyncio.create_task(batcher.submit("b"))
    await asyncio.sleep(0)
    first_done.set()
    await held.wait()  # "a" stores ["a", "b"] and hangs there
    leader.cancel()

    assert await first == "X"
    assert await follower == "B"
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert batches == [["x"], ["a", "b"], ["b"]]
