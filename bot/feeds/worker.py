"""The background poller of a running bot (one of ``Services``' workers).

It sleeps until the earliest feed is due (at most ``idle_seconds``), polls every due feed,
and repeats. The first poll waits ``start_delay`` after start-up, so a bot restarting in a
loop does not hammer anyone. A poll cycle that fails (database locked, a bug) is logged and
retried later: the bot keeps running. Stopping closes the HTTP session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.clock import Clock
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import FeedPoller

log = logging.getLogger(__name__)


class FeedWorker:
    name = "feeds"

    def __init__(
        self,
        poller: FeedPoller,
        fetcher: Fetcher,
        clock: Clock,
        *,
        enabled: bool = True,
        start_delay: float = 60.0,
        idle_seconds: float = 300.0,
    ) -> None:
        self.poller = poller
        self.fetcher = fetcher
        self.clock = clock
        self.enabled = enabled
        self.start_delay = start_delay
        self.idle_seconds = idle_seconds
        self.cycles = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running or not self.enabled:
            return
        self._task = asyncio.create_task(self._run(), name="feeds-worker")

    async def stop(self) -> None:
        """Stop between two HTTP exchanges; a poll's writes are one transaction (all or none)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.fetcher.close()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        await self._sleep(self.start_delay)
        while True:
            # Cleared before polling, not when the sleep starts: a wake() that arrives
            # during the poll (a feed added meanwhile) then cuts the next sleep short.
            self._wake.clear()
            try:
                outcomes = await self.poller.poll_due()
                self.cycles += 1
                for outcome in outcomes:
                    log.info("feed poll: %s", outcome.line())
                upcoming = await self.poller.next_due()
            except Exception:
                log.exception("feed poll cycle failed; trying again later")
                upcoming = None
            wait = self.idle_seconds
            if upcoming is not None:
                wait = min(wait, max(1.0, (upcoming - self.clock.now()).total_seconds()))
            await self._sleep(wait)

    async def _sleep(self, seconds: float) -> None:
        # Not asyncio.wait_for: on Python 3.11 it runs the wait in a task of its own and,
        # when stop()'s cancel arrives just after a wake() ended that wait, returns normally
        # instead of raising, so the worker polled on and stop() waited for it forever.
        # Waiting in this task under asyncio.timeout lets a cancel always through.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await self._wake.wait()
