"""The reminder worker with the real outbox: enqueued once, published, late, across restarts,
and with several processes planning on one database (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.deadlines.dates import parse_local
from bot.deadlines.model import Deadline, DeadlineBook, Edition, Series
from bot.deadlines.reminder_store import LeaseLost, ReminderStateStore
from bot.deadlines.scheduler import MIGRATIONS, ReminderScheduler
from bot.deadlines.timezones import parse_timezone
from bot.outbox import Outbox, OutgoingMessage, State
from bot.storage import Storage
from bot.storage.leases import DEFAULT_LEASE
from tests.storage_backends import Backend
from tests.unit.deadlines.conftest import open_outbox

CHANNEL = 555
DEADLINE_UTC = datetime(2026, 9, 17, 11, 59, tzinfo=UTC)  # 2026-09-16 23:59 AoE


def book(paper_at: str = "2026-09-16 23:59") -> DeadlineBook:
    deadline = Deadline("paper", parse_timezone("AoE"), parse_local(paper_at).value)
    edition = Edition("icassp-2027", "icassp", "ICASSP", 2027, (deadline,))
    return DeadlineBook((Series("icassp", "ICASSP", (edition,)),))


@pytest.fixture
async def database(storage: Storage) -> Storage:
    return storage


async def scheduler(
    db: Storage, clock: FakeClock, data: DeadlineBook
) -> tuple[ReminderScheduler, Outbox]:
    outbox = await open_outbox(db, clock)
    worker = ReminderScheduler(db, outbox, clock, lambda: data, CHANNEL)
    await worker.setup()
    return worker, outbox


async def test_reminders_reach_the_outbox_once_published_with_expiry(database: Storage) -> None:
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


async def test_down_for_days_sends_one_late_reminder(database: Storage) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=10))
    worker, outbox = await scheduler(database, clock, book())
    await worker.enqueue_due()
    clock.advance(timedelta(days=9, hours=12).total_seconds())  # the bot was down
    result = await worker.enqueue_due()
    assert (result.enqueued, result.late, result.skipped) == (1, 1, 1)  # 7d superseded
    item = (await outbox.items())[0]
    assert item.key.startswith("deadline:icassp-2027:paper:1d@")
    assert "Late reminder" in item.payload["content"]


async def test_moved_deadline_gets_new_reminders(database: Storage) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=8))
    data = {"book": book()}
    outbox = await open_outbox(database, clock)
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


async def test_next_wake_up_is_the_next_due_reminder(database: Storage) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7, minutes=4))
    worker, _ = await scheduler(database, clock, book())
    assert await worker.seconds_until_next() == 240.0  # sleeps until the 7-day reminder


async def test_paused_without_channel_keeps_the_watermark(database: Storage) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=8))
    outbox = await open_outbox(database, clock)
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


async def test_a_waiting_reminder_of_a_moved_deadline_is_withdrawn(database: Storage) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7, minutes=5))
    data = {"book": book()}
    outbox = await open_outbox(database, clock)
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
    database: Storage, caplog: pytest.LogCaptureFixture
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


# -- several processes on one database -------------------------------------------------------


class Killed(BaseException):
    """The process stops here (what SIGKILL would do): nothing after it runs, not even the
    clean-up of ``except Exception``."""


class CountingOutbox(Outbox):
    """The real outbox, counting every reminder handed to it (``planned``, shared by the
    processes of a test): a window planned twice shows up here, though the outbox refuses
    the second copy."""

    def __init__(self, db: Storage, clock: FakeClock, planned: Counter[str]) -> None:
        super().__init__(db, clock)  # type: ignore[arg-type]
        self.planned = planned

    async def enqueue(self, message: OutgoingMessage) -> bool:
        self.planned[message.key] += 1
        return await super().enqueue(message)


@pytest.fixture
async def connections(storage_backend: Backend) -> AsyncIterator[list[Storage]]:
    """Two processes' connections to one database."""
    opened = [await storage_backend.open(), await storage_backend.open()]
    try:
        yield opened
    finally:
        for db in opened:
            await db.close()


async def process(
    db: Storage,
    clock: FakeClock,
    name: str,
    data: Callable[[], DeadlineBook],
    planned: Counter[str],
) -> tuple[ReminderScheduler, Outbox]:
    await open_outbox(db, clock)  # creates the tables (or skips)
    outbox = CountingOutbox(db, clock, planned)
    worker = ReminderScheduler(db, outbox, clock, data, CHANNEL, holder=name)
    await worker.setup()
    return worker, outbox


async def test_two_schedulers_racing_on_one_database_plan_each_reminder_once(
    connections: list[Storage],
) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=31))
    planned: Counter[str] = Counter()
    a, outbox = await process(connections[0], clock, "a", book, planned)
    b, _ = await process(connections[1], clock, "b", book, planned)
    results = []
    for _ in range(31 * 24 + 12):  # bounded: hour by hour past the deadline
        results += await asyncio.gather(a.enqueue_due(), b.enqueue_due())
        clock.advance(3600)
    assert [item.key for item in await outbox.items()] == [
        "deadline:icassp-2027:paper:30d@20260917T1159Z",
        "deadline:icassp-2027:paper:7d@20260917T1159Z",
        "deadline:icassp-2027:paper:1d@20260917T1159Z",
        "deadline:icassp-2027:paper:3h@20260917T1159Z",
    ]
    # Each window was planned by one of them: no reminder was even offered twice.
    assert set(planned.values()) == {1}
    assert sum(r.enqueued for r in results) == 4
    assert not any(r.late for r in results)
    assert await a.watermark() == clock.now() - timedelta(hours=1)


async def test_a_scheduler_that_dies_while_planning_is_taken_over_after_its_lease(
    connections: list[Storage],
) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=7, minutes=30))
    planned: Counter[str] = Counter()
    dying = {"now": False}

    def data_of_a() -> DeadlineBook:
        if dying["now"]:
            raise Killed
        return book()

    a, outbox = await process(connections[0], clock, "a", data_of_a, planned)
    b, _ = await process(connections[1], clock, "b", book, planned)
    await a.enqueue_due()  # the watermark: planning starts now
    clock.advance(timedelta(minutes=31).total_seconds())  # the 7-day reminder is due
    dying["now"] = True
    with pytest.raises(Killed):
        await a.enqueue_due()  # a claimed the planning, then died
    assert (await b.enqueue_due()).busy
    assert await outbox.items() == []
    # b does not wait for the next reminder (a day away) to look again, only for the lease.
    assert await b.run_once() == DEFAULT_LEASE.total_seconds()
    clock.advance(DEFAULT_LEASE.total_seconds() + 1)
    result = await b.enqueue_due()
    assert (result.busy, result.enqueued, result.late) == (False, 1, False)
    assert [item.key for item in await outbox.items()] == [
        "deadline:icassp-2027:paper:7d@20260917T1159Z"
    ]
    assert planned == Counter({"deadline:icassp-2027:paper:7d@20260917T1159Z": 1})


async def test_a_holder_whose_lease_was_taken_over_changes_nothing(
    connections: list[Storage],
) -> None:
    clock = FakeClock(DEADLINE_UTC - timedelta(days=8))
    for db in connections:
        await db.migrate("deadlines", MIGRATIONS)
    slow = ReminderStateStore(connections[0], "slow")
    other = ReminderStateStore(connections[1], "other")
    start = clock.now()
    assert await slow.claim(start) == start
    assert await other.claim(clock.now()) is None  # held
    clock.advance(DEFAULT_LEASE.total_seconds() + 1)  # slow is too slow: its lease ran out
    assert await other.claim(clock.now()) == start
    with pytest.raises(LeaseLost):
        async with connections[0].transaction():
            await slow.finish(clock.now())
    assert await other.watermark() == start  # rolled back: the watermark is other's to move
    async with connections[1].transaction():
        await other.finish(clock.now())
    assert await slow.watermark() == clock.now()
