"""Loading the deadline data for the running bot, which must start even if the data is bad."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook
from bot.deadlines.scheduler import ReminderScheduler

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)


def load_deadline_book(catalog_path: Path) -> DeadlineBook:
    """The valid part of ``catalog/deadlines``; each problem is logged (``deadlines check``
    lists them with file:line), so one bad edition does not hide every other deadline."""
    result = load_deadlines(catalog_path / DEADLINES_DIR)
    for problem in result.problems:
        log.warning("deadline data: %s", problem.format())
    return result.book


class _ServicesClock:
    """Whatever clock ``services`` has now (tests and the demo swap in a virtual one)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def now(self) -> datetime:
        return self._services.clock.now()

    async def sleep(self, seconds: float) -> None:
        await self._services.clock.sleep(seconds)


async def build_reminder_worker(services: Services) -> ReminderScheduler:
    """The reminder worker of a running bot, reading everything through ``services``.

    It stays idle (and says so once in the log) while the bot has no outbox or no
    announcement channel; the data, channel and offsets are read afresh on every run.
    """
    worker = ReminderScheduler(
        services.database,
        lambda: getattr(services, "outbox", None),
        _ServicesClock(services),
        lambda: services.deadlines,
        lambda: services.config.announcements_channel_id,
        lambda: services.config.deadline_reminder_offsets,
    )
    await worker.setup()
    return worker
