"""The outbox's tables on the shared database (component ``outbox``), SQLite or PostgreSQL.

All SQL of the outbox lives here; :class:`~bot.outbox.outbox.Outbox` and the delivery
pass (``bot.outbox.delivery``) decide *what* to write and when. Every statement is the same
on both backends, except the claim's row lock (the claim is ``bot.storage.leases.claim_sql``).

Two kinds of writes:

- the features' and maintainers' writes (``insert``, ``cancel``, ``unblock``,
  ``resume_failed``) are single statements that join the caller's open transaction, so
  "suggestion approved" and its announcement commit or roll back together;
- the delivery writes (``claim`` and every ``mark_*``/``record_*`` method) must be
  committed *before* the bot talks to Discord, so they refuse to run inside a transaction
  (see ``_committed``).

Delivery is claimed per item with a lease (``bot.storage.leases``): ``claim`` writes this
store's ``holder`` and a lease end on the row, and every later delivery write of the item
is guarded by ``lease_holder = holder``, so a holder whose lease expired (and was taken
over) changes nothing. The write that ends a step releases the lease.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.outbox.records import BlockedChannel, OutboxItem, State, from_text, to_text
from bot.outbox.schema import COMPONENT, MIGRATIONS
from bot.storage import leases
from bot.storage.interface import Storage
from bot.storage.leases import DEFAULT_LEASE, HELD, RELEASE, holder_name

_INSERT_SQL = """
INSERT INTO outbox_items (
    key, channel_id, payload, publish, nonce, marker, not_before, expires_at,
    next_attempt_at, created_at, updated_at
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO NOTHING
"""

# A claimable item (the lease conditions are added by ``leases.claim_sql``): in one of the
# wanted states, due, and its channel not blocked. Our own unexpired lease is ours to
# resume after an interrupted pass (``own``).
_CLAIMABLE = (
    "id = ? AND state IN ({states}) AND next_attempt_at <= ? "
    "AND channel_id NOT IN (SELECT channel_id FROM outbox_blocked_channels)"
)


class OutboxStore:
    """Outbox items, blocked channels and the publication window, as typed calls."""

    def __init__(
        self, db: Storage, *, holder: str | None = None, lease: timedelta = DEFAULT_LEASE
    ) -> None:
        self._db = db
        self.holder = holder or holder_name()
        self.lease = lease

    async def setup(self) -> None:
        """Create or upgrade the outbox tables."""
        await self._db.migrate(COMPONENT, MIGRATIONS)

    # -- features: storing intents (join the caller's transaction) --------------------------

    async def insert(
        self,
        *,
        key: str,
        channel_id: int,
        payload: dict[str, Any],
        nonce: str,
        marker: str,
        not_before: datetime | None,
        expires_at: datetime | None,
        due: datetime,
        now: datetime,
    ) -> bool:
        """Store one new item as ``pending``; False (nothing stored) when ``key`` is known."""
        at = to_text(now)
        stored = await self._db.execute(
            _INSERT_SQL,
            (
                key,
                channel_id,
                json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                0,  # decided when it is posted, by the channel's type
                nonce,
                marker,
                None if not_before is None else to_text(not_before),
                None if expires_at is None else to_text(expires_at),
                to_text(due),
                at,
                at,
            ),
        )
        return stored > 0

    async def cancel(self, key: str, now: datetime) -> bool:
        """``pending`` → ``cancelled``; False when the item is not pending."""
        return (
            await self._db.execute(
                "UPDATE outbox_items SET state = ?, updated_at = ? WHERE key = ? AND state = ?",
                (State.CANCELLED, to_text(now), key, State.PENDING),
            )
            > 0
        )

    # -- reading ----------------------------------------------------------------------------

    async def get(self, key: str) -> OutboxItem | None:
        row = await self._db.fetchone("SELECT * FROM outbox_items WHERE key = ?", (key,))
        return None if row is None else OutboxItem.from_row(row)

    async def items(
        self,
        *,
        states: Sequence[State] | None = None,
        channel_id: int | None = None,
        limit: int = 100,
    ) -> list[OutboxItem]:
        """Stored items, oldest first, optionally filtered."""
        # Only the filters asked for: PostgreSQL cannot type a parameter used only in
        # ``? IS NULL``, so the optional ones are left out rather than passed as NULL.
        conditions: list[str] = []
        params: list[Any] = []
        if states:
            conditions.append(f"state IN ({_placeholders(len(states))})")
            params.extend(state.value for state in states)
        if channel_id is not None:
            conditions.append("channel_id = ?")
            params.append(channel_id)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self._db.fetchall(
            f"SELECT * FROM outbox_items{where} ORDER BY id LIMIT ?",  # noqa: S608 (fixed text)
            (*params, limit),
        )
        return [OutboxItem.from_row(row) for row in rows]

    async def active_items(self) -> list[OutboxItem]:
        """Items with something left to do, in enqueue order."""
        rows = await self._db.fetchall(
            "SELECT * FROM outbox_items WHERE state IN ('pending', 'posting', 'posted') ORDER BY id"
        )
        return [OutboxItem.from_row(row) for row in rows]

    async def counts(self) -> dict[State, int]:
        rows = await self._db.fetchall(
            "SELECT state, COUNT(*) AS n FROM outbox_items GROUP BY state"
        )
        found = {State(row["state"]): int(row["n"]) for row in rows}
        return {state: found.get(state, 0) for state in State}

    async def waiting_in(self, channel_id: int) -> int:
        """How many items of ``channel_id`` still have something to do."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM outbox_items WHERE channel_id = ? "
            "AND state IN ('pending', 'posting', 'posted')",
            (channel_id,),
        )
        return int(row["n"]) if row else 0

    # -- blocked channels -------------------------------------------------------------------

    async def blocked_channels(self) -> list[BlockedChannel]:
        rows = await self._db.fetchall(
            "SELECT b.channel_id, b.reason, b.blocked_at, "
            "(SELECT COUNT(*) FROM outbox_items i WHERE i.channel_id = b.channel_id "
            "AND i.state IN ('pending', 'posting', 'posted')) AS waiting "
            "FROM outbox_blocked_channels b ORDER BY b.blocked_at"
        )
        blocked: list[BlockedChannel] = []
        for row in rows:
            blocked_at = from_text(row["blocked_at"])
            assert blocked_at is not None
            blocked.append(
                BlockedChannel(
                    int(row["channel_id"]), str(row["reason"]), blocked_at, int(row["waiting"])
                )
            )
        return blocked

    async def blocked_ids(self) -> set[int]:
        rows = await self._db.fetchall("SELECT channel_id FROM outbox_blocked_channels")
        return {int(row["channel_id"]) for row in rows}

    async def unblock(self, channel_id: int, now: datetime) -> bool:
        """Forget the block and make the channel's items due now; False if not blocked."""
        removed = await self._db.execute(
            "DELETE FROM outbox_blocked_channels WHERE channel_id = ?", (channel_id,)
        )
        if removed:
            at = to_text(now)
            await self._db.execute(
                "UPDATE outbox_items SET next_attempt_at = ?, updated_at = ? "
                "WHERE channel_id = ? AND state IN ('pending', 'posting', 'posted')",
                (at, at, channel_id),
            )
        return removed > 0

    async def block_channel(self, channel_id: int, reason: str, now: datetime) -> None:
        await self._committed(
            "INSERT INTO outbox_blocked_channels (channel_id, reason, blocked_at) VALUES (?, ?, ?) "
            "ON CONFLICT (channel_id) DO UPDATE SET reason = excluded.reason",
            (channel_id, reason[:500], to_text(now)),
        )

    # -- maintainers: resetting -------------------------------------------------------------

    async def resume_failed(self, item_id: int, resume: State, now: datetime) -> bool:
        """``failed`` → ``resume``, due now; False when the item is no longer failed."""
        at = to_text(now)
        changed = await self._db.execute(
            "UPDATE outbox_items SET state = ?, next_attempt_at = ?, updated_at = ? "
            "WHERE id = ? AND state = ?",
            (resume, at, at, item_id, State.FAILED),
        )
        return changed > 0

    # -- delivery: claimed, and committed before each call to Discord ------------------------

    async def claim(
        self, item_id: int, states: Sequence[State], now: datetime
    ) -> OutboxItem | None:
        """Take the lease on one due item in one of ``states``; its fresh row, or None when
        it is not due any more, changed state, is blocked or someone else holds it."""
        if self._db.in_transaction:
            raise RuntimeError("outbox state must be committed before talking to Discord")
        where = _CLAIMABLE.format(states=_placeholders(len(states)))
        rows = await self._db.fetchall(
            leases.claim_sql(self._db, "outbox_items", "id", where, own=True),
            leases.claim_params(
                self.holder,
                now,
                (item_id, *(state.value for state in states), to_text(now)),
                lease=self.lease,
                own=True,
            ),
        )
        return OutboxItem.from_row(rows[0]) if rows else None

    async def mark_posting(self, item_id: int, now: datetime) -> bool:
        """``pending`` → ``posting`` (first attempt); False when it was changed meanwhile
        or the lease was lost."""
        at = to_text(now)
        marked = await self._committed(
            "UPDATE outbox_items SET state = ?, attempts = attempts + 1, "  # noqa: S608 (lease constants)
            "first_attempt_at = ?, next_attempt_at = ?, updated_at = ? "
            f"WHERE id = ? AND state = ? AND {HELD}",
            (State.POSTING.value, at, at, at, item_id, State.PENDING.value, self.holder),
        )
        return marked > 0

    async def count_posting_attempt(self, item_id: int, now: datetime) -> bool:
        """One more attempt at an item already ``posting``; False when the lease was lost."""
        counted = await self._committed(
            "UPDATE outbox_items SET attempts = attempts + 1, updated_at = ? "  # noqa: S608 (lease constants)
            f"WHERE id = ? AND state = ? AND {HELD}",
            (to_text(now), item_id, State.POSTING.value, self.holder),
        )
        return counted > 0

    async def mark_posted(
        self, item_id: int, *, publish: bool, message_id: int, now: datetime
    ) -> bool:
        """``posting`` → ``posted`` (a crosspost is to do) or ``done``, with Discord's id."""
        at = to_text(now)
        marked = await self._committed(
            "UPDATE outbox_items SET state = ?, publish = ?, message_id = ?, posted_at = ?, "  # noqa: S608 (lease constants)
            "next_attempt_at = ?, last_error = NULL, updated_at = ?, "
            f"{RELEASE} WHERE id = ? AND state = ? AND {HELD}",
            (
                (State.POSTED if publish else State.DONE).value,
                int(publish),
                message_id,
                at,
                at,
                at,
                item_id,
                State.POSTING.value,
                self.holder,
            ),
        )
        return marked > 0

    async def schedule_retry(self, item_id: int, due: datetime, reason: str, now: datetime) -> bool:
        return (
            await self._committed(
                "UPDATE outbox_items SET next_attempt_at = ?, last_error = ?, updated_at = ?, "  # noqa: S608 (lease constants)
                f"{RELEASE} WHERE id = ? AND {HELD}",
                (to_text(due), reason[:500], to_text(now), item_id, self.holder),
            )
            > 0
        )

    async def mark_expired(self, item_id: int, now: datetime) -> bool:
        """``pending`` → ``expired``; False when it was changed meanwhile."""
        changed = await self._committed(
            "UPDATE outbox_items SET state = ?, last_error = ?, updated_at = ?, "  # noqa: S608 (lease constants)
            f"{RELEASE} WHERE id = ? AND state = ? AND {HELD}",
            (
                State.EXPIRED.value,
                "not posted before it expired",
                to_text(now),
                item_id,
                State.PENDING.value,
                self.holder,
            ),
        )
        return changed > 0

    async def record_error(self, item_id: int, reason: str, now: datetime) -> bool:
        """Keep the reason and give the item up for now (its channel got blocked)."""
        return (
            await self._committed(
                "UPDATE outbox_items SET last_error = ?, updated_at = ?, "  # noqa: S608 (lease constants)
                f"{RELEASE} WHERE id = ? AND {HELD}",
                (reason[:500], to_text(now), item_id, self.holder),
            )
            > 0
        )

    async def mark_failed(self, item_id: int, reason: str, now: datetime) -> bool:
        return (
            await self._committed(
                "UPDATE outbox_items SET state = ?, last_error = ?, updated_at = ?, "  # noqa: S608 (lease constants)
                f"{RELEASE} WHERE id = ? AND {HELD}",
                (State.FAILED.value, reason[:500], to_text(now), item_id, self.holder),
            )
            > 0
        )

    # -- publications (the per-channel crosspost budget) -------------------------------------

    async def publications_since(
        self, channel_id: int, since: datetime, *, excluding_item: int
    ) -> list[datetime]:
        """When the channel's other items were published after ``since``, oldest first."""
        rows = await self._db.fetchall(
            "SELECT at FROM outbox_publications WHERE channel_id = ? AND item_id != ? "
            "AND at > ? ORDER BY at",
            (channel_id, excluding_item, to_text(since)),
        )
        moments = [from_text(row["at"]) for row in rows]
        return [moment for moment in moments if moment is not None]

    async def record_publication_attempt(
        self, item_id: int, channel_id: int, now: datetime
    ) -> bool:
        """Count the attempt and take a budget slot, both before the crosspost call; False
        (nothing taken) when the lease was lost."""
        at = to_text(now)
        counted = await self._committed(
            "UPDATE outbox_items SET attempts = attempts + 1, updated_at = ? "  # noqa: S608 (lease constants)
            f"WHERE id = ? AND {HELD}",
            (at, item_id, self.holder),
        )
        if not counted:
            return False
        await self._committed(
            "INSERT INTO outbox_publications (item_id, channel_id, at) VALUES (?, ?, ?) "
            "ON CONFLICT (item_id) DO UPDATE SET at = excluded.at",
            (item_id, channel_id, at),
        )
        return True

    async def forget_publication(self, item_id: int) -> None:
        # Only while we hold the item: its slot may be a newer holder's attempt otherwise.
        await self._committed(
            "DELETE FROM outbox_publications WHERE item_id = ? AND EXISTS ("  # noqa: S608 (lease constants)
            f"SELECT 1 FROM outbox_items WHERE id = ? AND {HELD})",
            (item_id, item_id, self.holder),
        )

    async def mark_published(self, item_id: int, now: datetime) -> bool:
        """``posted`` → ``done``."""
        at = to_text(now)
        return (
            await self._committed(
                "UPDATE outbox_items SET state = ?, published_at = ?, last_error = NULL, "  # noqa: S608 (lease constants)
                f"updated_at = ?, {RELEASE} "
                f"WHERE id = ? AND state = ? AND {HELD}",
                (State.DONE.value, at, at, item_id, State.POSTED.value, self.holder),
            )
            > 0
        )

    async def prune_publications(self, before: datetime) -> None:
        await self._committed("DELETE FROM outbox_publications WHERE at < ?", (to_text(before),))

    async def _committed(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement that must be committed before we act on it (e.g. call Discord).

        Both backends run a statement from outside the current task's transaction on its
        own (SQLite waits for another task's transaction to end; PostgreSQL takes another
        connection), so this commits on its own; inside our own transaction it would not be
        committed yet, which would be a bug here.
        """
        if self._db.in_transaction:
            raise RuntimeError("outbox state must be committed before talking to Discord")
        return await self._db.execute(sql, params)


def _placeholders(count: int) -> str:
    return ", ".join("?" * count)
