"""The one worker loop (bot.worker): steps, waking, failures, stopping."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import FakeClock
from bot.worker import Worker
from tests.clocks import START, BlockingClock


class Steps(Worker):
    name = "steps"

    def __init__(self, clock: FakeClock, delays: list[float | Exception], **kw: float) -> None:
        super().__init__(clock, **kw)
        self.delays = delays
        self.ran = 0
        self.closed = 0
        self.during_step: asyncio.Event | None = None
        self.stepped = asyncio.Event()

    async def run_once(self) -> float:
        self.ran += 1
        self.stepped.set()
        if self.during_step is not None:
            await self.during_step.wait()
        delay = self.delays.pop(0) if self.delays else 3600.0
        if isinstance(delay, Exception):
            raise delay
        return delay

    async def close(self) -> None:
        self.closed += 1


async def wait_for_steps(worker: Steps, count: int) -> None:
    async with asyncio.timeout(5):
        while worker.ran < count:
            await asyncio.sleep(0)


async def test_steps_follow_the_delays_run_once_returns() -> None:
    clock = FakeClock(START)
    worker = Steps(clock, [10.0, 20.0, 0.0, 30.0])
    await worker.start()
    await wait_for_steps(worker, 5)
    await worker.stop()
    # 10 + 20 + 0 + 30 seconds of virtual time went by between the five steps.
    assert (clock.now() - START).total_seconds() >= 60.0
    assert worker.closed == 1


async def test_a_failing_step_is_logged_and_retried_after_the_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = BlockingClock()
    worker = Steps(clock, [RuntimeError("database is locked")], error_pause=42.0)
    await worker.start()
    await wait_for_steps(worker, 1)
    async with asyncio.timeout(5):
        while not clock.sleeps:
            await asyncio.sleep(0)
    assert clock.sleeps == [42.0]
    assert "steps: a step failed" in caplog.text
    assert "database is locked" in caplog.text
    assert worker.running  # the loop survived
    worker.wake()
    await wait_for_steps(worker, 2)
    await worker.stop()


async def test_wake_cuts_a_sleep_short() -> None:
    clock = BlockingClock()
    worker = Steps(clock, [3600.0, 3600.0])
    await worker.start()
    await wait_for_steps(worker, 1)
    async with asyncio.timeout(5):
        while not clock.sleeps:
            await asyncio.sleep(0)
    worker.wake()
    await wait_for_steps(worker, 2)
    await worker.stop()


async def test_a_wake_during_a_step_is_not_lost() -> None:
    clock = BlockingClock()
    worker = Steps(clock, [3600.0, 3600.0])
    worker.during_step = asyncio.Event()
    await worker.start()
    await wait_for_steps(worker, 1)
    worker.wake()  # arrives while the first step still runs
    worker.during_step.set()
    await wait_for_steps(worker, 2)
    # The second step started without sleeping the hour the first one asked for.
    assert 3600.0 not in clock.sleeps
    await worker.stop()


async def test_start_delay_waits_before_the_first_step() -> None:
    clock = BlockingClock()
    worker = Steps(clock, [], start_delay=60.0)
    await worker.start()
    async with asyncio.timeout(5):
        while not clock.sleeps:
            await asyncio.sleep(0)
    assert clock.sleeps == [60.0]
    assert worker.ran == 0
    await worker.stop()
    assert worker.ran == 0


async def test_start_twice_runs_one_loop_and_stop_twice_is_harmless() -> None:
    clock = BlockingClock()
    worker = Steps(clock, [])
    await worker.start()
    await worker.start()
    await wait_for_steps(worker, 1)
    await asyncio.sleep(0)
    assert worker.ran == 1
    await worker.stop()
    await worker.stop()
    assert not worker.running
    assert worker.closed == 2
