"""The digest check of every feed cycle takes no transaction unless it has a digest to send.

On PostgreSQL a transaction takes the database-wide lock, and every process checks the
digests after every poll cycle from the group's hour until midnight. Both backends.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.feeds.digest import DigestSender
from bot.feeds.digest_store import DigestStore
from bot.feeds.model import FeedItem, FeedMode, FeedSpec
from bot.feeds.store import FeedStore
from bot.outbox import Outbox
from bot.storage import Storage
from tests.unit.feeds.conftest import CHANNEL, NOW, queued_items, setup_outbox

SPEC = FeedSpec("d", "http://127.0.0.1/d.xml", "D", mode=FeedMode.DIGEST, digest_hour=13)
AFTER_THE_HOUR = NOW.replace(hour=14)


class CountingStore(FeedStore):
    """A feed store that counts the transactions opened through it."""

    transactions = 0

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Storage]:
        self.transactions += 1
        async with super().transaction() as db:
            yield db


class Setup:
    def __init__(self, db: Storage) -> None:
        self.db = db
        self.store = CountingStore(db)
        self.digests = DigestStore(db)
        self.outbox: Outbox | None = Outbox(db, FakeClock(NOW))
        self.channel: int | None = CHANNEL
        self.sender = DigestSender(
            self.store,
            self.digests,
            lambda: [SPEC],
            outbox=lambda: self.outbox,
            channel_for=lambda spec: self.channel,
        )

    async def wait_item(self, n: int) -> None:
        item = FeedItem(keys=(f"item-{n}",), title=f"Paper {n}", link=f"http://example.com/{n}")
        async with self.db.transaction() as tx:
            await self.digests.add_items(tx, SPEC, [item], NOW)

    async def digest_keys(self) -> list[str]:
        return [i.key for i in await queued_items(self.db) if i.key.startswith("feed-digest:")]


@pytest.fixture
async def setup(db: Storage) -> Setup:
    made = Setup(db)
    await made.store.setup()
    assert made.outbox is not None
    await setup_outbox(made.outbox, db)
    return made


async def test_a_day_with_nothing_waiting_opens_no_transaction(setup: Setup) -> None:
    for minutes in range(3):  # cycles after the hour
        await setup.sender.send_due(AFTER_THE_HOUR + timedelta(minutes=minutes))

    assert setup.store.transactions == 0
    assert await setup.digest_keys() == []


@pytest.mark.parametrize("missing", ["channel", "outbox"])
async def test_a_digest_with_nowhere_to_go_opens_no_transaction_and_keeps_its_items(
    setup: Setup, missing: str
) -> None:
    await setup.wait_item(1)
    if missing == "channel":
        setup.channel = None
    else:
        setup.outbox = None

    await setup.sender.send_due(AFTER_THE_HOUR)

    assert setup.store.transactions == 0
    assert len(await setup.digests.waiting(SPEC.group, AFTER_THE_HOUR)) == 1


async def test_a_digest_to_send_is_sent_in_one_transaction_and_then_none_is_opened(
    setup: Setup,
) -> None:
    await setup.wait_item(1)
    await setup.wait_item(2)

    await setup.sender.send_due(AFTER_THE_HOUR)
    await setup.sender.send_due(AFTER_THE_HOUR + timedelta(minutes=5))  # found it sent

    assert setup.store.transactions == 1
    assert await setup.digest_keys() == ["feed-digest:feeds:2025-06-23"]
    assert await setup.digests.waiting(SPEC.group, AFTER_THE_HOUR) == []
