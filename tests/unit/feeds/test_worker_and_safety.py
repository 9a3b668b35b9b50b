"""The background worker keeps going, a failed write loses nothing, hosts are not hammered."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from benchmarks import bench_feeds
from bot.feeds.model import FeedSpec, FeedState
from bot.feeds.worker import FeedWorker
from bot.outbox import Outbox, OutgoingMessage
from tests.clocks import BlockingClock
from tests.unit.feeds.conftest import Harness
from tests.unit.feeds.server import FeedServer
from tests.unit.feeds.test_poller import Feed, item


class FailingOnce(Outbox):
    """An outbox whose first enqueue fails, as a full disk or a locked database would."""

    failed = False

    async def enqueue(self, message: OutgoingMessage) -> bool:
        if not self.failed:
            self.failed = True
            raise RuntimeError("disk full")
        return await super().enqueue(message)


async def test_a_failed_write_marks_nothing_seen_so_the_item_comes_next_time(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    await harness.poll("a")
    flaky = FailingOnce(harness.db, harness.clock)
    harness.poller.outbox = lambda: flaky
    feed.items = [item(2), item(1)]
    harness.clock.advance(2 * 3600)  # the feed is due
    assert "a" in {s.spec.id for s in await harness.poller.due()}

    broken = await harness.poll("a")  # reported, not raised: the other feeds go on
    assert "a" not in {s.spec.id for s in await harness.poller.due()}  # no tight retry loop
    harness.clock.advance(3600)
    assert "a" in {s.spec.id for s in await harness.poller.due()}
    again = await harness.poll("a")

    assert broken.error is not None
    assert "disk full" in broken.error
    assert [i.title for i in again.announced] == ["Paper 2"]
    assert again.status == 200  # validators were not stored with the failed write
    assert await harness.announced_titles() == ["Paper 2"]


async def test_polls_of_one_host_never_exceed_the_per_host_limit(
    server: FeedServer, harness: Harness
) -> None:
    running = {"now": 0, "most": 0}

    async def slowish(request: web.Request) -> web.StreamResponse:
        running["now"] += 1
        running["most"] = max(running["most"], running["now"])
        await asyncio.sleep(0.05)
        running["now"] -= 1
        return web.Response(status=304)

    for n in range(12):
        url = server.route(f"/h{n}.xml", slowish)
        await harness.add(FeedSpec(f"h{n}", url, f"H{n}"))

    await harness.poller.poll_all()

    assert len(server.requests) == 12
    assert running["most"] <= harness.fetcher.limits.per_host


async def test_worker_polls_due_feeds_and_survives_a_failing_cycle(
    server: FeedServer, harness: Harness
) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    real_poll_due = harness.poller.poll_due
    calls = {"n": 0}

    async def flaky_poll_due(*, dry_run: bool = False) -> list:  # type: ignore[type-arg]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return await real_poll_due(dry_run=dry_run)

    harness.poller.poll_due = flaky_poll_due  # type: ignore[method-assign]
    worker = FeedWorker(harness.poller, harness.fetcher, harness.clock, start_delay=0)
    worker.idle_seconds = 0.01
    await worker.start()
    try:
        for _ in range(400):
            if (await harness.status("a")).state is FeedState.OK:
                break
            worker.wake()
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()

    assert calls["n"] >= 2
    assert (await harness.status("a")).state is FeedState.OK
    assert not worker.running


async def test_disabled_worker_does_not_poll(server: FeedServer, harness: Harness) -> None:
    feed = Feed(server, "/a.xml", [item(1)])
    await harness.add(FeedSpec("a", feed.url, "A"))
    worker = FeedWorker(harness.poller, harness.fetcher, harness.clock, enabled=False)
    await worker.start()
    await asyncio.sleep(0.05)
    await worker.stop()
    assert server.requests == []


@pytest.mark.slow
def test_benchmark_quick_run_prints_both_pollers_and_their_ratio() -> None:
    rows = bench_feeds.run(quick=True)
    by_poller = {(row["poller"], row["cycle"]): row for row in rows}
    assert set(by_poller) == {
        (name, cycle) for name in ("ml-audio-bot", "baseline", "ratio") for cycle in (1, 2)
    }
    ours, baseline = by_poller["ml-audio-bot", 2], by_poller["baseline", 2]
    # Both send conditional requests: the unchanged feeds answer 304 in cycle 2.
    assert ours["share_304"] >= 0.9
    assert baseline["share_304"] >= 0.9
    # Both find the item added between the cycles (ours queues it for Discord).
    assert ours["announced"] == baseline["announced"] >= 1
    assert by_poller["ml-audio-bot", 1]["announced"] == 0  # a first poll only marks seen
    for cycle in (1, 2):
        ratio = by_poller["ratio", cycle]["wall_s"]
        expected = (
            by_poller["ml-audio-bot", cycle]["wall_s"] / by_poller["baseline", cycle]["wall_s"]
        )
        assert ratio == pytest.approx(expected)


async def test_a_wake_during_a_poll_starts_another_poll(
    server: FeedServer, harness: Harness
) -> None:
    # A feed added while a poll runs calls wake(); it must not wait for the idle sleep.
    calls = {"n": 0}
    second_poll = asyncio.Event()

    async def poll_due(*, dry_run: bool = False) -> list:  # type: ignore[type-arg]
        calls["n"] += 1
        if calls["n"] == 1:
            worker.wake()  # "/feeds add" while this poll runs
        else:
            second_poll.set()
        return []

    async def nothing_due() -> None:
        return None

    harness.poller.poll_due = poll_due  # type: ignore[method-assign]
    harness.poller.next_due = nothing_due  # type: ignore[method-assign]
    # A clock whose idle hour never passes by itself: only wake() can start another poll.
    worker = FeedWorker(
        harness.poller, harness.fetcher, BlockingClock(), start_delay=0, idle_seconds=3600
    )
    await worker.start()
    try:
        # Safety stop only: without the fix the worker sleeps the idle hour.
        async with asyncio.timeout(30):
            await second_poll.wait()
    finally:
        await worker.stop()
    assert calls["n"] >= 2


async def test_stop_right_after_a_wake_ends_the_worker(
    server: FeedServer, harness: Harness
) -> None:
    # The hang of issue 10: wake() (a feed added) then stop() (shutdown) in one step. The
    # worker's sleep ended because of the wake, and asyncio.wait_for on Python 3.11 then
    # returned normally instead of raising the cancel, so the worker polled on and stop()
    # waited for it forever. Ordered by events only: no timing is involved.
    sleeping = asyncio.Event()
    polled_after_stop = asyncio.Event()
    stop_requested = False

    async def poll_due(*, dry_run: bool = False) -> list:  # type: ignore[type-arg]
        if stop_requested:
            polled_after_stop.set()
        return []

    async def nothing_due() -> None:
        sleeping.set()  # the worker goes straight from here into its sleep
        return None

    harness.poller.poll_due = poll_due  # type: ignore[method-assign]
    harness.poller.next_due = nothing_due  # type: ignore[method-assign]
    # A clock whose idle hour never passes by itself: only wake() can start another poll.
    worker = FeedWorker(
        harness.poller, harness.fetcher, BlockingClock(), start_delay=0, idle_seconds=3600
    )
    await worker.start()
    task = worker._task
    assert task is not None
    await sleeping.wait()

    worker.wake()
    stop_requested = True
    stopping = asyncio.create_task(worker.stop())
    another_poll = asyncio.create_task(polled_after_stop.wait())
    done, _ = await asyncio.wait({stopping, another_poll}, return_when=asyncio.FIRST_COMPLETED)
    another_poll.cancel()
    if stopping not in done:  # clean up the runaway worker so the failure is reported
        task.cancel()
        await asyncio.wait({stopping})

    assert stopping in done, "the worker polled again after stop() instead of stopping"
    assert task.cancelled()
    assert not worker.running
