"""The reminder planner's one row: the watermark, and who is planning right now.

``deadline_reminder_state`` holds a single row (``id = 1``): ``planned_until``, the end of
the last planning run, and the lease of ``bot.storage.leases`` (``lease_holder``,
``lease_until``). Several bot processes may run the reminder worker on one database; a run
claims the row first, so that one process at a time plans a window of time and moves the
watermark. Another process that finds the row claimed skips its run; when the holder dies
the lease expires and the next claim takes over from the watermark it left.

The outbox is what makes each reminder *posted* once: its keys are unique
(``ON CONFLICT (key) DO NOTHING``), so a window planned twice (a holder that lost its lease
to a slow step, a crash after the commit) enqueues nothing twice. The lease avoids that
duplicate work and, above all, two planners moving ``planned_until`` over each other.
"""

from __future__ import annotations

from datetime import datetime

from bot.storage import leases
from bot.storage.interface import Storage
from bot.storage.leases import HELD, RELEASE


class LeaseLost(Exception):
    """Another holder took the row over (our lease had expired): our work is rolled back."""


class ReminderStateStore:
    def __init__(self, database: Storage, holder: str) -> None:
        self.db = database
        self.holder = holder

    async def watermark(self) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT planned_until FROM deadline_reminder_state WHERE id = 1"
        )
        return datetime.fromisoformat(str(row["planned_until"])) if row else None

    async def claim(self, now: datetime) -> datetime | None:
        """Take the lease; the watermark to plan from, or None when another holds it.

        The first run of an installation creates the row with ``now`` as its watermark:
        planning starts from there (no backlog), as it would with no row at all.
        """
        await self.db.execute(
            "INSERT INTO deadline_reminder_state (id, planned_until) VALUES (1, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (now.isoformat(),),
        )
        row = await self.db.fetchone(
            leases.claim_sql(
                self.db, "deadline_reminder_state", "id", "id = 1", returning="planned_until"
            ),
            leases.claim_params(self.holder, now),
        )
        return datetime.fromisoformat(str(row["planned_until"])) if row else None

    async def finish(self, planned_until: datetime) -> None:
        """Move the watermark and give the lease back, in the caller's transaction;
        :class:`LeaseLost` (to roll it back) when another holder has the row now."""
        changed = await self.db.execute(
            f"UPDATE deadline_reminder_state SET planned_until = ?, {RELEASE}"  # noqa: S608
            f" WHERE id = 1 AND {HELD}",
            (planned_until.isoformat(), self.holder),
        )
        if changed == 0:
            raise LeaseLost("deadline reminders: another process took over the planning")

    async def release(self) -> None:
        """Give the lease back without moving the watermark (the run failed)."""
        await self.db.execute(
            f"UPDATE deadline_reminder_state SET {RELEASE} WHERE id = 1 AND {HELD}",  # noqa: S608
            (self.holder,),
        )
