"""The reminder worker with the real outbox: enqueued once, published, late, across restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.deadlines.dates import parse_local
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.scheduler import ReminderScheduler
from bot.deadlines.timezones import parse_timezone
from bot.outbox import Outbox, State
from bot.storage.database import Database

CHANNEL = 555
DEADLINE_UTC = datetime(2026, 9, 17, 11, 59, tzinfo=UTC)  # 2026-09-16 23:59 AoE


def book(paper_at: str = "2026-09-16 23:59") -> DeadlineBook:
    deadline = Deadline("paper", parse_timezone("AoE"), parse_local(paper_at).value)
    edition = Edition("icassp-2027", "icassp", "ICASSP", 2027, (deadline,))
    return DeadlineBook((Series("icassp", "ICASSP", (edition,)),))


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    db = await Database.open(":memory:")
    yield db
    await db.close()


async def scheduler(
    db: Database, clock: FakeClock, data: DeadlineBook
) -> tuple[ReminderScheduler, Outbox]:
    outbox = Outbox(db, clock)
    await outbox.setup()
    worker = ReminderScheduler(db, outbox, clock, lambda: data, CHANNEL)
    await worker.setup()
    return worker, outbox


async def test_reminders_reach_the_outbox_once_published_with_expiry(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=31))
    worker, outbox = await scheduler(database, clock, book())
    await worker.enqueue_due()  # first run: sets the watermark, no backlog
    for _ in range(40 * 24):  # forty days, hour by hour, with a restart every day
        clock.advance(3600)
        worker, outbox = await scheduler(database, clock, book())
        await worker.enqueue_due()
    items = await outbox.items()
    assert [item.key for item in items] == [
        "deadline:icassp-2027:paper:30d@20260917T1159Z",
        "deadline:icassp-2027:paper:7d@20260917T1159Z",
        "deadline:icassp-2027:paper:1d@20260917T1159Z",
        "deadline:icassp-2027:paper:3h@20260917T1159Z",
    ]
    assert all(item.channel_id == CHANNEL for item in items)
    assert all(item.expires_at == DEADLINE_UTC for item in items)


async def test_down_for_days_sends_one_late_reminder(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=10))
    worker, outbox = await scheduler(database, clock, book())
    await worker.enqueue_due()
    clock.advance(timedelta(days=9, hours=12).total_seconds())  # the bot was down
    result = await worker.enqueue_due()
    assert (result.enqueued, result.late, result.skipped) == (1, 1, 1)  # 7d superseded
    item = (await outbox.items())[0]
    assert item.key.startswith("deadline:icassp-2027:paper:1d@")
    assert "Late reminder" in item.payload["content"]


async def test_moved_deadline_gets_new_reminders(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=8))
    data = {"book": book()}
    outbox = Outbox(database, clock)
    await outbox.setup()
    worker = ReminderScheduler(database, outbox, clock, lambda: data["book"], CHANNEL)
    await worker.setup()
    await worker.enqueue_due()
    clock.advance(timedelta(days=1).total_seconds())
    await worker.enqueue_due()  # the 7-day reminder for 16 September
    data["book"] = book("2026-09-23 23:59")  # organisers extend by a week
    clock.advance(timedelta(days=7).total_seconds())
    await worker.enqueue_due()
    keys = [item.key for item in await outbox.items()]
    assert keys == [
        "deadline:icassp-2027:paper:7d@20260917T1159Z",
        "deadline:icassp-2027:paper:7d@20260924T1159Z",
    ]


async def test_next_wake_up_is_the_next_due_reminder(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7, minutes=4))
    worker, _ = await scheduler(database, clock, book())
    assert await worker.seconds_until_next() == 240.0  # sleeps until the 7-day reminder


async def test_paused_without_channel_keeps_the_watermark(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=8))
    outbox = Outbox(database, clock)
    await outbox.setup()
    channel: dict[str, int | None] = {"id": None}
    worker = ReminderScheduler(database, outbox, clock, book, lambda: channel["id"])
    await worker.setup()
    await worker.enqueue_due()
    assert await worker.watermark() is None
    channel["id"] = CHANNEL  # configured later: planning starts from then, no backlog
    await worker.enqueue_due()
    assert await worker.watermark() == clock.now()
    clock.advance(timedelta(days=1).total_seconds())
    await worker.enqueue_due()
    assert [item.key for item in await outbox.items()] == [
        "deadline:icassp-2027:paper:7d@20260917T1159Z"
    ]


async def test_a_waiting_reminder_of_a_moved_deadline_is_withdrawn(database: Database) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7, minutes=5))
    data = {"book": book()}
    outbox = Outbox(database, clock)
    await outbox.setup()
    worker = ReminderScheduler(database, outbox, clock, lambda: data["book"], CHANNEL)
    await worker.setup()
    await worker.enqueue_due()
    clock.advance(600)
    await worker.enqueue_due()  # the 7-day reminder waits in the outbox (nothing drains it here)
    old = "deadline:icassp-2027:paper:7d@20260917T1159Z"
    data["book"] = book("2026-09-23 23:59")
    clock.advance(60)
    result = await worker.enqueue_due()
    assert result.withdrawn == 1
    item = await outbox.get(old)
    assert item is not None
    assert item.state == State.CANCELLED
    data["book"] = book("2026-09-23 23:59")  # unchanged data withdraws nothing more
    assert (await worker.enqueue_due()).withdrawn == 0


async def test_a_failure_working_out_the_next_wake_up_does_not_stop_the_worker(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(datetime(2026, 9, 1, tzinfo=UTC))
    worker, _ = await scheduler(database, clock, book())
    runs = {"n": 0}
    real_run_once = worker.run_once

    async def counted_run_once():  # type: ignore[no-untyped-def]
        runs["n"] += 1
        return await real_run_once()

    async def broken_next() -> float:
        raise RuntimeError("deadline data changed under us")

    worker.run_once = counted_run_once  # type: ignore[method-assign]
    worker.seconds_until_next = broken_next  # type: ignore[method-assign]
    await worker.start()
    try:
        for _ in range(200):  # bounded: FakeClock sleeps return at once
            if runs["n"] >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()
    assert runs["n"] >= 3
    assert "deadline-reminders: a step failed" in caplog.text
