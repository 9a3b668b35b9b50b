"""The suggestions' tables on the shared ``Storage`` (component ``suggestions``), SQLite or
PostgreSQL; every statement here runs unchanged on both.

All SQL of the feature lives here (its tables and migrations in ``schema``). Writes go
through ``atomic()``: one transaction of the backend, and failures of the database
(read-only, locked by another program, full disk, server unreachable) become
``StorageError`` with a sentence to show (``faults``).

Several processes (shards) may write at once, so what must stay exact is decided by the
database, never by this process's memory or locks:

- a transaction is serialised against every other writer of the database, in any process
  (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL; see ``Storage``), so a
  rule read and applied inside ``atomic()`` (the vote toggle, the per-member limits) sees
  no other write in between;
- the writes are conditional as well: a status moves only from the expected one (the loser
  of two racing reviews changes nothing), a vote is one row per member (primary key), a
  new suggestion is inserted only while no open one has its URL (unique index, ``ON
  CONFLICT DO NOTHING``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.storage import Storage
from bot.storage.faults import describe_fault
from bot.suggestions.model import AuditEvent, BlockedUser, Status, Suggestion, Tally, Vote
from bot.suggestions.schema import COMPONENT, MIGRATIONS

log = logging.getLogger(__name__)

# COUNT(CASE …) rather than SUM(value = 1): PostgreSQL does not add up booleans.
_TALLY = (
    "COUNT(CASE WHEN value = 1 THEN 1 END) AS up, COUNT(CASE WHEN value = -1 THEN 1 END) AS down"
)

_SELECT = """
SELECT s.*,
       (SELECT COUNT(*) FROM suggestion_votes v WHERE v.suggestion_id = s.id AND v.value = 1)
           AS up,
       (SELECT COUNT(*) FROM suggestion_votes v WHERE v.suggestion_id = s.id AND v.value = -1)
           AS down
FROM suggestions s
"""


class StorageError(Exception):
    """The database refused a change; the message is safe to show to a member."""


@dataclass(frozen=True, slots=True)
class NewSuggestion:
    guild_id: int
    author_id: int
    anonymous: bool
    title: str
    url: str
    normalized_url: str
    section: str
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class VoteContext:
    guild_id: int
    author_id: int
    status: Status
    previous: Vote | None


def to_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _row_to_suggestion(row: Any) -> Suggestion:
    created = from_text(row["created_at"])
    updated = from_text(row["updated_at"])
    assert created is not None
    assert updated is not None
    return Suggestion(
        id=row["id"],
        guild_id=row["guild_id"],
        author_id=row["author_id"],
        anonymous=bool(row["anonymous"]),
        title=row["title"],
        url=row["url"],
        normalized_url=row["normalized_url"],
        section=row["section"],
        kind=row["kind"],
        reason=row["reason"],
        status=Status(row["status"]),
        created_at=created,
        updated_at=updated,
        decided_by=row["decided_by"],
        decided_at=from_text(row["decided_at"]),
        decision_note=row["decision_note"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        thread_id=row["thread_id"],
        edited_at=from_text(row["edited_at"]),
        message_deleted_at=from_text(row["message_deleted_at"]),
        tally=Tally(int(row["up"]), int(row["down"])),
    )


class SuggestionStore:
    def __init__(self, db: Storage) -> None:
        self.db = db

    async def setup(self) -> int:
        return await self.db.migrate(COMPONENT, MIGRATIONS)

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[SuggestionStore]:
        """One transaction for a whole change; ``StorageError`` when the database refuses it.

        No lock of this process is needed around it: the backend serialises transactions
        (of this process and of every other one on the same database).
        """
        try:
            async with self.db.transaction():
                yield self
        except Exception as exc:
            problem = describe_fault(exc, self.db.dialect)
            if problem is None:
                raise
            log.warning("suggestions: write failed: %s", exc)
            if self.db.dialect == "sqlite":
                await self._rollback_quietly()
            raise StorageError(problem) from exc

    async def _rollback_quietly(self) -> None:
        # A failed COMMIT leaves SQLite inside the transaction; end it so the next write works.
        # (PostgreSQL's transaction ends with its connection's context, whatever happened.)
        with suppress(sqlite3.Error):
            await self.db.execute("ROLLBACK")

    # -- suggestions -----------------------------------------------------------------------

    async def get(self, suggestion_id: int) -> Suggestion | None:
        row = await self.db.fetchone(_SELECT + "WHERE s.id = ?", (suggestion_id,))
        return _row_to_suggestion(row) if row else None

    async def insert(self, new: NewSuggestion, now: datetime) -> int | None:
        """The new suggestion's id; None when an open one with its URL exists (the unique
        index decides, whatever any process read before)."""
        stamp = to_text(now)
        row = await self.db.fetchone(
            "INSERT INTO suggestions (guild_id, author_id, anonymous, title, url, normalized_url,"
            " section, kind, reason, status, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"
            " ON CONFLICT (guild_id, normalized_url) WHERE status IN ('pending', 'approved')"
            " DO NOTHING RETURNING id",
            (
                new.guild_id, new.author_id, int(new.anonymous), new.title, new.url,
                new.normalized_url, new.section, new.kind, new.reason, stamp, stamp,
            ),
        )  # fmt: skip
        return int(row["id"]) if row else None

    async def update_content(
        self, suggestion_id: int, *, title: str, url: str, normalized_url: str, section: str,
        kind: str, reason: str, now: datetime,
    ) -> bool:  # fmt: skip
        changed = await self.db.execute(
            "UPDATE suggestions SET title = ?, url = ?, normalized_url = ?, section = ?, kind = ?,"
            " reason = ?, updated_at = ?, edited_at = ? WHERE id = ? AND status = 'pending'",
            (
                title, url, normalized_url, section, kind, reason, to_text(now), to_text(now),
                suggestion_id,
            ),
        )  # fmt: skip
        return changed == 1

    async def mark_message_deleted(self, suggestion_id: int, now: datetime) -> bool:
        """Forget the message and remember that it was deleted, so it is not posted again.

        Only the first report counts, so a burst of failed edits writes one audit row.
        """
        changed = await self.db.execute(
            "UPDATE suggestions SET channel_id = NULL, message_id = NULL, thread_id = NULL,"
            " message_deleted_at = ? WHERE id = ? AND message_deleted_at IS NULL",
            (to_text(now), suggestion_id),
        )
        return changed == 1

    async def clear_message_deleted(self, suggestion_id: int) -> None:
        """A maintainer asked for the message again: it may be posted."""
        await self.db.execute(
            "UPDATE suggestions SET message_deleted_at = NULL WHERE id = ?", (suggestion_id,)
        )

    async def set_status(
        self,
        suggestion_id: int,
        status: Status,
        *,
        actor_id: int,
        now: datetime,
        note: str | None = None,
        expected: Iterable[Status] = (Status.PENDING,),
    ) -> bool:
        """Move to ``status`` only from one of ``expected``: the loser of a race changes nothing."""
        allowed = tuple(s.value for s in expected)
        marks = ", ".join("?" * len(allowed))
        # Only "?" placeholders are spliced in; every value is a bound parameter.
        sql = (
            "UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?,"  # noqa: S608
            " updated_at = ? WHERE id = ? AND status IN (" + marks + ")"
        )
        changed = await self.db.execute(
            sql,
            (status.value, actor_id, to_text(now), note, to_text(now), suggestion_id, *allowed),
        )
        return changed == 1

    async def set_location(
        self, suggestion_id: int, channel_id: int | None, message_id: int | None,
        thread_id: int | None,
    ) -> None:  # fmt: skip
        await self.db.execute(
            "UPDATE suggestions SET channel_id = ?, message_id = ?, thread_id = ? WHERE id = ?",
            (channel_id, message_id, thread_id, suggestion_id),
        )

    async def open_with_url(self, guild_id: int, normalized_url: str) -> Suggestion | None:
        row = await self.db.fetchone(
            _SELECT + "WHERE s.guild_id = ? AND s.normalized_url = ?"
            " AND s.status IN ('pending', 'approved') ORDER BY s.id LIMIT 1",
            (guild_id, normalized_url),
        )
        return _row_to_suggestion(row) if row else None

    async def count_pending_by(self, guild_id: int, author_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM suggestions"
            " WHERE guild_id = ? AND author_id = ? AND status = 'pending'",
            (guild_id, author_id),
        )
        return int(row["n"]) if row else 0

    async def created_since(self, guild_id: int, author_id: int, since: datetime) -> list[datetime]:
        rows = await self.db.fetchall(
            "SELECT created_at FROM suggestions"
            " WHERE guild_id = ? AND author_id = ? AND created_at > ? ORDER BY created_at",
            (guild_id, author_id, to_text(since)),
        )
        return [datetime.fromisoformat(r["created_at"]) for r in rows]

    async def pending_titles(self, guild_id: int) -> list[tuple[int, str, str]]:
        rows = await self.db.fetchall(
            "SELECT id, title, url FROM suggestions WHERE guild_id = ? AND status = 'pending'",
            (guild_id,),
        )
        return [(r["id"], r["title"], r["url"]) for r in rows]

    async def page(
        self,
        guild_id: int | None,
        statuses: Sequence[Status] = (),
        *,
        offset: int = 0,
        limit: int | None = None,
        unposted_only: bool = False,
    ) -> tuple[list[Suggestion], int]:
        """A page of suggestions, newest first, and how many match in total (``limit``
        None: all of them)."""
        where, params = self._filters(guild_id, statuses, unposted_only)
        total_row = await self.db.fetchone(
            f"SELECT COUNT(*) AS n FROM suggestions s {where}",  # noqa: S608 -- only "?"s
            params,
        )
        total = int(total_row["n"]) if total_row else 0
        order = f"{where} ORDER BY s.id DESC"
        if limit is None:
            # No "LIMIT -1" (PostgreSQL refuses it) and no OFFSET without LIMIT (SQLite
            # refuses that): all rows, the first ``offset`` skipped here.
            rows = (await self.db.fetchall(_SELECT + order, params))[offset:]
        else:
            rows = await self.db.fetchall(
                _SELECT + order + " LIMIT ? OFFSET ?", (*params, limit, offset)
            )
        return [_row_to_suggestion(r) for r in rows], total

    @staticmethod
    def _filters(
        guild_id: int | None, statuses: Sequence[Status], unposted_only: bool
    ) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        params: list[Any] = []
        if guild_id is not None:
            clauses.append("s.guild_id = ?")
            params.append(guild_id)
        if statuses:
            clauses.append(f"s.status IN ({', '.join('?' * len(statuses))})")
            params.extend(s.value for s in statuses)
        if unposted_only:
            # A message a moderator deleted stays down until a maintainer reposts it.
            clauses.append("s.message_id IS NULL AND s.message_deleted_at IS NULL")
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", tuple(params)

    async def in_order(self, statuses: Sequence[Status]) -> list[Suggestion]:
        """Every suggestion with one of ``statuses``, oldest first (exports read like history)."""
        where, params = self._filters(None, statuses, False)
        rows = await self.db.fetchall(_SELECT + f"{where} ORDER BY s.id", params)
        return [_row_to_suggestion(r) for r in rows]

    # -- votes -----------------------------------------------------------------------------

    async def vote_context(self, suggestion_id: int, user_id: int) -> VoteContext | None:
        """What a vote needs to know, in one query (votes come in bursts: keep them cheap)."""
        row = await self.db.fetchone(
            "SELECT s.guild_id, s.author_id, s.status, v.value FROM suggestions s"
            " LEFT JOIN suggestion_votes v ON v.suggestion_id = s.id AND v.user_id = ?"
            " WHERE s.id = ?",
            (user_id, suggestion_id),
        )
        if row is None:
            return None
        previous = Vote(row["value"]) if row["value"] is not None else None
        return VoteContext(row["guild_id"], row["author_id"], Status(row["status"]), previous)

    async def vote_of(self, suggestion_id: int, user_id: int) -> Vote | None:
        row = await self.db.fetchone(
            "SELECT value FROM suggestion_votes WHERE suggestion_id = ? AND user_id = ?",
            (suggestion_id, user_id),
        )
        return Vote(row["value"]) if row else None

    async def put_vote(self, suggestion_id: int, user_id: int, vote: Vote, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO suggestion_votes (suggestion_id, user_id, value, voted_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (suggestion_id, user_id)"
            " DO UPDATE SET value = excluded.value, voted_at = excluded.voted_at",
            (suggestion_id, user_id, int(vote), to_text(now)),
        )

    async def remove_vote(self, suggestion_id: int, user_id: int) -> None:
        await self.db.execute(
            "DELETE FROM suggestion_votes WHERE suggestion_id = ? AND user_id = ?",
            (suggestion_id, user_id),
        )

    async def tally(self, suggestion_id: int) -> Tally:
        row = await self.db.fetchone(
            f"SELECT {_TALLY} FROM suggestion_votes WHERE suggestion_id = ?",  # noqa: S608
            (suggestion_id,),
        )
        return Tally(int(row["up"]), int(row["down"])) if row else Tally()

    async def voters(self, suggestion_id: int) -> list[tuple[int, Vote]]:
        rows = await self.db.fetchall(
            "SELECT user_id, value FROM suggestion_votes WHERE suggestion_id = ?"
            " ORDER BY voted_at, user_id",
            (suggestion_id,),
        )
        return [(r["user_id"], Vote(r["value"])) for r in rows]

    # -- audit and blocklist -----------------------------------------------------------------

    async def audit(
        self, guild_id: int, suggestion_id: int | None, actor_id: int, action: str,
        detail: str, now: datetime,
    ) -> None:  # fmt: skip
        await self.db.insert(
            "INSERT INTO suggestion_audit (guild_id, suggestion_id, actor_id, action, detail, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, suggestion_id, actor_id, action, detail, to_text(now)),
        )

    async def audit_log(
        self, *, guild_id: int | None = None, suggestion_id: int | None = None
    ) -> list[AuditEvent]:
        clauses, params = [], []
        if guild_id is not None:
            clauses.append("guild_id = ?")
            params.append(guild_id)
        if suggestion_id is not None:
            clauses.append("suggestion_id = ?")
            params.append(suggestion_id)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = f"SELECT * FROM suggestion_audit {where} ORDER BY id"  # noqa: S608 -- only "?"s
        rows = await self.db.fetchall(sql, params)
        return [
            AuditEvent(
                r["id"], r["guild_id"], r["suggestion_id"], r["actor_id"], r["action"],
                r["detail"], datetime.fromisoformat(r["at"]),
            )
            for r in rows
        ]  # fmt: skip

    async def blocked(self, guild_id: int, user_id: int) -> BlockedUser | None:
        row = await self.db.fetchone(
            "SELECT * FROM suggestion_blocklist WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        if row is None:
            return None
        return BlockedUser(
            row["guild_id"], row["user_id"], row["reason"], row["added_by"],
            datetime.fromisoformat(row["added_at"]),
        )  # fmt: skip

    async def block(
        self, guild_id: int, user_id: int, reason: str, added_by: int, now: datetime
    ) -> bool:
        changed = await self.db.execute(
            "INSERT INTO suggestion_blocklist (guild_id, user_id, reason, added_by, added_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO NOTHING",
            (guild_id, user_id, reason, added_by, to_text(now)),
        )
        return changed == 1

    async def unblock(self, guild_id: int, user_id: int) -> bool:
        changed = await self.db.execute(
            "DELETE FROM suggestion_blocklist WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return changed == 1

    async def blocklist(self, guild_id: int | None) -> list[BlockedUser]:
        """The blocked members of one guild, or of every guild (``None``)."""
        # Not "? IS NULL OR guild_id = ?": PostgreSQL cannot tell the type of a bare NULL.
        where, params = ("WHERE guild_id = ?", (guild_id,)) if guild_id is not None else ("", ())
        rows = await self.db.fetchall(
            f"SELECT * FROM suggestion_blocklist {where}"  # noqa: S608 -- only "?"s
            " ORDER BY guild_id, added_at, user_id",
            params,
        )
        return [
            BlockedUser(
                r["guild_id"], r["user_id"], r["reason"], r["added_by"],
                datetime.fromisoformat(r["added_at"]),
            )
            for r in rows
        ]  # fmt: skip

    async def dump_votes(self) -> list[dict[str, Any]]:
        rows = await self.db.fetchall(
            "SELECT * FROM suggestion_votes ORDER BY suggestion_id, user_id"
        )
        return [dict(r) for r in rows]
