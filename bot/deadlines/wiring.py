"""How a running bot builds the deadlines area: the data, and the reminder worker.

Like ``bot.feeds.wiring`` and ``bot.suggestions.wiring``: plain arguments and providers in,
no ``Services`` (which would make the core depend on the object that assembles it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from bot.clock import Clock
from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook
from bot.deadlines.scheduler import ReminderScheduler
from bot.outbox import Outbox
from bot.storage.database import Database

log = logging.getLogger(__name__)


def load_deadline_book(catalog_path: Path) -> DeadlineBook:
    """The valid part of ``catalog/deadlines``; each problem is logged (``deadlines check``
    lists them with file:line), so one bad edition does not hide every other deadline."""
    result = load_deadlines(catalog_path / DEADLINES_DIR)
    for problem in result.problems:
        log.warning("deadline data: %s", problem.format())
    return result.book


async def build_reminder_worker(
    database: Database,
    clock: Clock,
    *,
    outbox: Callable[[], Outbox | None],
    book: Callable[[], DeadlineBook],
    channel_id: Callable[[], int | None],
    offsets: Callable[[], Sequence[timedelta]],
) -> ReminderScheduler:
    """The reminder worker, its table migrated.

    It stays idle (and says so once in the log) while there is no outbox or no
    announcement channel; data, channel and offsets are read afresh on every run.
    """
    worker = ReminderScheduler(database, outbox, clock, book, channel_id, offsets)
    await worker.setup()
    return worker
