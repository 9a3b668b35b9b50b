"""Follow catalog reloads that other processes sharing the database recorded.

Started only on a shared (PostgreSQL) database: every ``interval`` seconds it reads the
newest row of ``catalog_reloads`` (``bot.reload.store``) and, when its generation is newer
than what this process serves and another process recorded it, reloads this process's own
files through :meth:`bot.reload.CatalogReloader.follow` (all or nothing, off the event loop).
What it serves at start is the generation read just before its files were (``bot.services``).
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.reload.reloader import CatalogReloader, ReloadResult
from bot.reload.store import ReloadLog
from bot.worker import Worker

log = logging.getLogger(__name__)

# How often a process looks (one row read): the bound the reply to /catalog reload states.
FOLLOW_INTERVAL = 30.0


class ReloadFollower(Worker):
    """Reloads this process's catalog when another process recorded a newer reload."""

    name = "catalog-follow"

    def __init__(
        self,
        reloader: CatalogReloader,
        reloads: ReloadLog,
        clock: Clock,
        *,
        interval: float = FOLLOW_INTERVAL,
    ) -> None:
        super().__init__(clock, error_pause=interval)
        self.reloader = reloader
        self.reloads = reloads
        self.interval = interval

    async def run_once(self) -> float:
        await self.check()
        return self.interval

    async def check(self) -> ReloadResult | None:
        """Look once; the result of a reload made to follow, else None."""
        reloader = self.reloader
        latest = await self.reloads.latest()
        # Generations only, never the time a reload was recorded: that is the clock of the
        # process that recorded it, maybe another host's. At start this process adopted the
        # newest generation recorded before it read its files (``bot.services``); None when
        # nobody read it, and then any recorded reload may be newer than the files.
        if latest is None or latest.generation <= (reloader.generation or 0):
            return None
        if latest.holder == reloader.holder:
            reloader.adopt(latest.generation)  # this process asked for it, and reloaded
            return None
        try:  # follow() logs what happened, in one line
            return await reloader.follow(latest)
        except Exception:  # an unexpected failure is not retried either: follow adopted it
            log.exception("catalog reload #%d could not be followed", latest.generation)
            return None
