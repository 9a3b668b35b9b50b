"""Fixtures for the feed tests: a loopback feed server and a poller wired to a real outbox.

``db`` is the shared ``storage`` fixture: every test that uses it runs on SQLite and on
PostgreSQL (tests/storage_backends.py).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.guard import UrlGuard
from bot.feeds.model import FeedSpec, FeedStatus
from bot.feeds.poller import FeedPoller
from bot.feeds.polling import FeedOutcome, PollSettings
from bot.feeds.store import FeedStore
from bot.outbox import Outbox, OutboxItem
from bot.storage import Storage
from tests.unit.feeds.server import FeedServer

NOW = datetime(2025, 6, 23, 12, 0, tzinfo=UTC)
CHANNEL = 555
LOG_CHANNEL = 777


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feed_server = FeedServer()
    await feed_server.start()
    try:
        yield feed_server
    finally:
        await feed_server.stop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def db(storage: Storage) -> Storage:
    return storage


async def setup_outbox(outbox: Outbox, db: Storage) -> None:
    """The outbox's tables, on either backend."""
    await outbox.setup()


async def queued_items(db: Storage) -> list[OutboxItem]:
    """Every queued message, oldest first."""
    return await Outbox(db, FakeClock(NOW)).items(limit=1000)


TEST_LIMITS = FetchLimits(
    connect_timeout=1.5, read_timeout=1.5, total_timeout=1.5, politeness=0.0, per_host=4
)


@dataclass
class Harness:
    """A poller over a real store, outbox and HTTP client; feeds are given per test."""

    db: Storage
    clock: FakeClock
    outbox: Outbox
    store: FeedStore
    fetcher: Fetcher
    poller: FeedPoller
    specs: list[FeedSpec] = field(default_factory=list)

    async def add(self, spec: FeedSpec) -> None:
        self.specs.append(spec)
        await self.store.sync_catalog(self.specs, self.clock.now())

    async def status(self, feed_id: str) -> FeedStatus:
        found = await self.store.status(feed_id, self.specs)
        assert found is not None
        return found

    async def poll(self, feed_id: str) -> FeedOutcome:
        outcome = await self.poller.poll(await self.status(feed_id))
        assert outcome is not None
        return outcome

    async def queued(self) -> list[OutboxItem]:
        return await queued_items(self.db)

    async def announced_titles(self) -> list[str]:
        return [
            str(item.payload["embeds"][0]["title"])
            for item in await self.queued()
            if item.channel_id == CHANNEL
        ]


@pytest.fixture
async def harness(db: Storage, clock: FakeClock) -> AsyncIterator[Harness]:
    outbox = Outbox(db, clock)
    await setup_outbox(outbox, db)
    store = FeedStore(db)
    await store.setup()
    fetcher = Fetcher(UrlGuard(["127.0.0.1"]), TEST_LIMITS)
    specs: list[FeedSpec] = []
    poller = FeedPoller(
        store,
        fetcher,
        clock,
        lambda: specs,
        outbox=lambda: outbox,
        channel_for=lambda spec: CHANNEL,
        log_channel=lambda: LOG_CHANNEL,
        settings=PollSettings(),
        rng=random.Random(7),
    )
    try:
        yield Harness(db, clock, outbox, store, fetcher, poller, specs)
    finally:
        await fetcher.close()
