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
from bot.config import Config
from bot.deadlines.conferences import DEADLINES_DIR
from bot.deadlines.loader import load_deadlines
from bot.deadlines.model import DeadlineBook
from bot.deadlines.scheduler import ReminderScheduler
from bot.deadlines.sources import DeadlineSource, load_sources, sources_path
from bot.deadlines.sync import DeadlineSync, SyncTargets
from bot.deadlines.sync_store import DeadlineSyncStore, RuntimeLayer
from bot.deadlines.sync_worker import DeadlineSyncWorker
from bot.feeds.fetch import Fetcher
from bot.feeds.guard import UrlGuard
from bot.outbox import Outbox
from bot.storage.interface import Storage

log = logging.getLogger(__name__)


def load_deadline_book(catalog_path: Path) -> DeadlineBook:
    """The valid part of ``catalog/deadlines``; each problem is logged (``deadlines check``
    lists them with file:line), so one bad edition does not hide every other deadline."""
    result = load_deadlines(catalog_path / DEADLINES_DIR)
    for problem in result.problems:
        log.warning("deadline data: %s", problem.format())
    return result.book


async def build_reminder_worker(
    database: Storage,
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


def load_deadline_sources(catalog_path: Path) -> tuple[DeadlineSource, ...]:
    """The valid sources of ``catalog/deadlines/sources.yaml``; problems are logged
    (``deadlines check`` lists them with file:line)."""
    result = load_sources(sources_path(catalog_path / DEADLINES_DIR))
    for problem in result.problems:
        log.warning("deadline sources: %s", problem.format())
    return result.sources


def build_deadline_sync(
    config: Config,
    database: Storage,
    clock: Clock,
    *,
    reviewed: Callable[[], DeadlineBook],
    targets: SyncTargets | None,
    on_change: Callable[[RuntimeLayer], None] | None = None,
) -> DeadlineSync:
    """The sync step, fetching with the feeds' fetcher and SSRF guard (tables already
    migrated by the reminder worker's setup: they are the same component)."""

    def sources() -> tuple[DeadlineSource, ...]:
        return load_deadline_sources(config.catalog_path)

    return DeadlineSync(
        DeadlineSyncStore(database),
        Fetcher(UrlGuard(config.feeds_allowed_hosts)),
        clock,
        sources=sources,
        reviewed=reviewed,
        targets=targets,
        on_change=on_change,
    )


def build_sync_worker(sync: DeadlineSync, clock: Clock, config: Config) -> DeadlineSyncWorker:
    return DeadlineSyncWorker(
        sync, clock, enabled=config.deadlines_sync_enabled, start_delay=config.feeds_start_delay
    )
