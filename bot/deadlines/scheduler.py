"""The background worker that hands due deadline reminders to the outbox.

Each run claims the planning (a lease on the watermark row, ``bot.deadlines.reminder_store``:
several bot processes may share one database, and one plans at a time), plans the reminders
due since the stored watermark (``plan_reminders``), enqueues them into the announcement
channel (published there, as every post is), and moves the watermark, all in one
transaction: after a crash either both happened or neither, and a repeated run finds the
keys already in the outbox, which refuses them (that uniqueness, not the lease, is what
makes each reminder posted once). Delivery, crossposting, the hourly publication budget
and retries are the outbox's job. A reminder expires at its deadline, so one stuck in the
queue past the deadline is dropped (and logged) rather than posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.deadlines.model import DeadlineBook
from bot.deadlines.reminder_store import LeaseLost, ReminderStateStore
from bot.deadlines.reminders import (
    DEFAULT_OFFSETS,
    current_keys,
    next_due,
    plan_reminders,
    render_reminder,
)
from bot.deadlines.sync_store import SYNC_MIGRATION
from bot.outbox import Outbox, OutgoingMessage, State
from bot.storage.database import Migration
from bot.storage.interface import Storage
from bot.storage.leases import DEFAULT_LEASE, holder_name
from bot.worker import Worker

log = logging.getLogger(__name__)

COMPONENT = "deadlines"
# Work claimed, not assumed (bot/storage/leases.py): the reminder planning (its one row)
# and each upstream source of deadline sync. The same statements on both backends.
_LEASE_COLUMNS = """
ALTER TABLE deadline_reminder_state ADD COLUMN lease_holder TEXT;
ALTER TABLE deadline_reminder_state ADD COLUMN lease_until TEXT;
ALTER TABLE deadline_sync_sources ADD COLUMN lease_holder TEXT;
ALTER TABLE deadline_sync_sources ADD COLUMN lease_until TEXT;
"""
MIGRATIONS = [
    Migration(
        1,
        "reminder watermark",
        """
        CREATE TABLE deadline_reminder_state (
            id            INTEGER PRIMARY KEY CHECK (id = 1),
            planned_until TEXT NOT NULL
        );
        """,
        postgres_sql="""
        CREATE TABLE deadline_reminder_state (
            id            INTEGER PRIMARY KEY CHECK (id = 1),
            planned_until TEXT NOT NULL
        );
        """,
    ),
    SYNC_MIGRATION,  # the runtime layer of ``deadlines sync`` (bot/deadlines/sync_store.py)
    Migration(
        3,
        "leases: reminder planning and each deadline sync source",
        _LEASE_COLUMNS,
        postgres_sql=_LEASE_COLUMNS,
    ),
]
# The longest the worker sleeps without looking again (data may have been reloaded, the
# channel configured). Reminders fall due on the hour at the finest, so an hour is plenty.
IDLE_SECONDS = 3600.0


# While paused (no outbox or channel yet), look again soon: the setting may come any moment.
PAUSED_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class RunResult:
    enqueued: int
    late: int
    skipped: int
    paused: bool = False
    withdrawn: int = 0
    busy: bool = False  # another process holds the planning lease: nothing was done


class ReminderScheduler(Worker):
    """Plans and enqueues deadline reminders; a ``Services`` background worker."""

    name = "deadline-reminders"

    def __init__(
        self,
        database: Storage,
        outbox: Outbox | Callable[[], Outbox | None],
        clock: Clock,
        book: Callable[[], DeadlineBook],
        channel_id: int | Callable[[], int | None],
        offsets: Sequence[timedelta] | Callable[[], Sequence[timedelta]] = DEFAULT_OFFSETS,
        *,
        holder: str | None = None,
    ) -> None:
        # Providers rather than values: the running bot may get its outbox, its channel or
        # new settings after this worker was built (and the deadline data is reloaded).
        # A failed run (a locked database, broken data) is retried while paused.
        super().__init__(clock, error_pause=PAUSED_SECONDS)
        self._db = database
        self._state = ReminderStateStore(database, holder or holder_name())
        self._outbox = outbox if callable(outbox) else (lambda: outbox)
        self._book = book
        self._channel_id = channel_id if callable(channel_id) else (lambda: channel_id)
        self._offsets = offsets if callable(offsets) else (lambda: tuple(offsets))
        self._idle_reason: str | None = None

    async def setup(self) -> None:
        await self._db.migrate(COMPONENT, MIGRATIONS)

    async def watermark(self) -> datetime | None:
        return await self._state.watermark()

    async def run_once(self) -> float:
        """Enqueue what is due; sleep until the next reminder falls due (at most an hour)."""
        result = await self.enqueue_due()
        if result.paused:
            return PAUSED_SECONDS
        if result.busy:
            # The holder may die: look again when its lease will have run out at the latest.
            return min(await self.seconds_until_next(), DEFAULT_LEASE.total_seconds())
        return await self.seconds_until_next()

    async def enqueue_due(self) -> RunResult:
        """Plan the reminders due since the watermark and enqueue them, in one transaction."""
        outbox, channel_id = self._outbox(), self._channel_id()
        if outbox is None or channel_id is None:
            # Nothing is planned (and the watermark stays) until there is a way to post.
            reason = "no outbox" if outbox is None else "no announcement channel configured"
            if reason != self._idle_reason:
                log.info("deadline reminders paused: %s", reason)
                self._idle_reason = reason
            return RunResult(0, 0, 0, paused=True)
        self._idle_reason = None
        since = await self._state.claim(self.clock.now())
        if since is None:
            return RunResult(0, 0, 0, busy=True)
        try:
            return await self._plan_and_enqueue(outbox, channel_id, since)
        except LeaseLost:
            # Our lease ran out during the run and another process planned: ours was rolled
            # back, theirs stands.
            log.warning("deadline reminders: the planning lease ran out; another process planned")
            return RunResult(0, 0, 0, busy=True)
        except Exception:
            # Let another process (or our next run) try at once rather than after the lease.
            await self._state.release()
            raise

    async def _plan_and_enqueue(
        self, outbox: Outbox, channel_id: int, since: datetime
    ) -> RunResult:
        book = self._book()
        offsets = tuple(self._offsets())
        plan = plan_reminders(book, self.clock, since, offsets)
        now = self.clock.now()
        enqueued = 0
        withdrawn: list[str] = []
        async with self._db.transaction():
            withdrawn = await self._withdraw_stale(outbox, channel_id, book, offsets)
            for reminder in plan.send:
                message = OutgoingMessage(
                    key=reminder.key,
                    channel_id=channel_id,
                    content=render_reminder(reminder),
                    expires_at=reminder.deadline_at,
                )
                # False for a key the outbox has seen: a window planned again never posts twice.
                if await outbox.enqueue(message):
                    enqueued += 1
            await self._state.finish(now)  # LeaseLost rolls all of this back
        for reminder in plan.send:
            if reminder.late:
                log.info("reminder %s sent late (due %s)", reminder.key, reminder.due.isoformat())
        for skipped in plan.skipped:
            log.info("reminder %s skipped: %s", skipped.key, skipped.reason)
        for key in withdrawn:
            log.info("reminder %s withdrawn: its deadline moved or left the data", key)
        late = sum(1 for r in plan.send if r.late)
        return RunResult(enqueued, late, len(plan.skipped), withdrawn=len(withdrawn))

    async def _withdraw_stale(
        self, outbox: Outbox, channel_id: int, book: DeadlineBook, offsets: tuple[timedelta, ...]
    ) -> list[str]:
        """Cancel reminders still waiting in the outbox (the hourly publication budget can
        hold them back) whose deadline has since moved: their text names the old time."""
        waiting = await outbox.items(states=[State.PENDING], channel_id=channel_id, limit=1000)
        stale = [i.key for i in waiting if i.key.startswith("deadline:")]
        if not stale:
            return []
        wanted = current_keys(book, offsets)
        return [key for key in stale if key not in wanted and await outbox.cancel(key)]

    async def seconds_until_next(self) -> float:
        now = self.clock.now()
        due = next_due(self._book(), now, tuple(self._offsets()))
        if due is None:
            return IDLE_SECONDS
        return max(0.0, min(IDLE_SECONDS, (due - now).total_seconds()))
