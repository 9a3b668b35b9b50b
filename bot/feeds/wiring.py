"""How a running bot (or ``ml-audio-bot feeds poll``) builds the feeds area from its config."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.clock import Clock
from bot.config import Config
from bot.datafile import FeedsFileError
from bot.feeds.catalog import feeds_file, load_feeds
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.feeds.model import FeedSpec
from bot.feeds.poller import FeedPoller
from bot.feeds.polling import PollSettings
from bot.feeds.service import FeedService
from bot.feeds.store import FeedStore
from bot.feeds.worker import FeedWorker
from bot.outbox import Outbox
from bot.storage.interface import Storage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class FeedsArea:
    service: FeedService
    poller: FeedPoller
    worker: FeedWorker
    fetcher: Fetcher


def feeds_path(config: Config) -> Path:
    return config.feeds_file or feeds_file(config.catalog_path)


def load_catalog_feeds(config: Config) -> tuple[FeedSpec, ...]:
    """The feeds of the configured file; raises ``FeedsFileError`` (``file:line``) when broken."""
    catalog = load_feeds(feeds_path(config))
    catalog.raise_for_problems()
    return catalog.feeds


def load_feeds_or_log(config: Config) -> tuple[FeedSpec, ...]:
    """The feeds of the configured file, or none with every ``file:line`` logged.

    For start-up: a broken feeds file should not keep the rest of the bot from serving
    (feeds added from Discord keep working); ``/catalog reload`` reports it instead.
    """
    try:
        return load_catalog_feeds(config)
    except FeedsFileError as error:
        for problem in error.problems:
            log.error("feeds file: %s", problem)
        return ()


def channel_resolver(config: Callable[[], Config]) -> Callable[[FeedSpec], int | None]:
    def channel_for(spec: FeedSpec) -> int | None:
        if spec.channel_id is not None:
            return spec.channel_id
        channel_id = getattr(config(), f"{spec.channel_key}_channel_id", None)
        return channel_id if isinstance(channel_id, int) else None

    return channel_for


def poll_settings(config: Config) -> PollSettings:
    return PollSettings(
        interval=timedelta(minutes=config.feeds_interval_minutes),
        max_age=timedelta(days=config.feeds_max_age_days),
    )


async def build_feeds(
    config: Config,
    database: Storage,
    clock: Clock,
    *,
    outbox: Callable[[], Outbox | None],
    current_config: Callable[[], Config] | None = None,
    specs: Callable[[], Sequence[FeedSpec]] | None = None,
    limits: FetchLimits | None = None,
) -> FeedsArea:
    """Create the tables and build service, poller and worker.

    ``specs`` gives the catalog's feeds at each use (a running bot reads them from its
    current catalog snapshot, which ``/catalog reload`` replaces); without it the feeds
    file is read once here (``load_feeds_or_log``).
    ``current_config`` is read at each announcement (channels may be changed at runtime).
    """
    config_now = current_config or (lambda: config)
    if specs is None:
        # A file read and YAML parse: off the event loop, which may already serve others.
        loaded = await asyncio.to_thread(load_feeds_or_log, config)

        def catalog_specs() -> Sequence[FeedSpec]:
            return loaded

        specs = catalog_specs
    guard = UrlGuard(config.feeds_allowed_hosts)
    fetcher = Fetcher(guard, limits)
    store = FeedStore(database)
    poller = FeedPoller(
        store,
        fetcher,
        clock,
        specs,
        outbox=outbox,
        channel_for=channel_resolver(config_now),
        log_channel=lambda: config_now().log_channel_id,
        settings=poll_settings(config),
    )
    service = FeedService(store, poller, fetcher, clock, specs)
    await service.setup()
    worker = FeedWorker(
        poller, fetcher, clock, enabled=config.feeds_enabled, start_delay=config.feeds_start_delay
    )
    service.on_change = worker.wake
    return FeedsArea(service, poller, worker, fetcher)
