"""The background poller of a running bot (one of ``Services``' workers).

Each step polls every due feed, queues the daily digests that are due, and sleeps until
the earliest feed or digest is due (at most ``idle_seconds``). The first poll waits
``start_delay`` after start-up, so a bot restarting in a loop does not hammer anyone. A
cycle that fails (database locked, a bug) is logged and retried later: the bot keeps
running. Stopping closes the HTTP session. The loop itself is ``bot.worker.Worker``.
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import FeedPoller
from bot.worker import Worker

log = logging.getLogger(__name__)


class FeedWorker(Worker):
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
        # A failed cycle (the database locked, a bug) is retried after the idle pause.
        super().__init__(clock, start_delay=start_delay, error_pause=idle_seconds)
        self.poller = poller
        self.fetcher = fetcher
        self.enabled = enabled
        self.idle_seconds = idle_seconds
        self.cycles = 0

    async def start(self) -> None:
        if self.enabled:
            await super().start()

    async def close(self) -> None:
        await self.fetcher.close()

    async def run_once(self) -> float:
        """Poll what is due, queue due digests; seconds until the next feed or digest."""
        outcomes = await self.poller.poll_due()
        self.cycles += 1
        for outcome in outcomes:
            log.info("feed poll: %s", outcome.line())
        next_digest = await self.poller.send_due_digests()
        moments = [m for m in (await self.poller.next_due(), next_digest) if m is not None]
        if not moments:
            return self.idle_seconds
        # At least a second: a feed due "now" that failed must not be polled in a loop.
        seconds = (min(moments) - self.clock.now()).total_seconds()
        return min(self.idle_seconds, max(1.0, seconds))
