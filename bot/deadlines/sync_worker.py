"""The background sync of a running bot (one of ``Services``' workers).

Each step syncs the due sources (``DeadlineSync.run``) and sleeps until the next one is
due; a source another process is syncing (its lease) is looked at again when that lease
runs out, so a process that died mid-sync is taken over without polling in a loop. The
first sync waits ``start_delay`` after start-up, so a bot restarting in a loop does not
hammer anyone; stopping closes the HTTP session. Off when not ``enabled`` (tests
and the demo). The loop itself is ``bot.worker.Worker``.
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.deadlines.sync import DeadlineSync
from bot.worker import Worker

log = logging.getLogger(__name__)

# Look at sources.yaml again at least this often (a reload may have added a source).
IDLE_SECONDS = 6 * 3600.0


class DeadlineSyncWorker(Worker):
    name = "deadline-sync"

    def __init__(
        self, sync: DeadlineSync, clock: Clock, *, enabled: bool = True, start_delay: float = 60.0
    ) -> None:
        # A failed step (the database locked, a bug) is retried after an hour.
        super().__init__(clock, start_delay=start_delay, error_pause=3600.0)
        self.sync = sync
        self.enabled = enabled

    async def start(self) -> None:
        if self.enabled:
            await super().start()

    async def close(self) -> None:
        await self.sync.fetcher.close()

    async def run_once(self) -> float:
        report = await self.sync.run()
        if report.fetched or report.failed or report.changes:
            for line in report.lines():
                log.info("deadline sync: %s", line)
        due = await self.sync.next_due()
        if due is None:
            return IDLE_SECONDS
        # At least a second: a source due "now" that failed must not be fetched in a loop.
        return min(IDLE_SECONDS, max(1.0, (due - self.clock.now()).total_seconds()))
