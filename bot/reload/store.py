"""Catalog reloads recorded in the database, so every process sharing it follows them.

Several shard processes on one PostgreSQL database each serve their own catalog snapshot.
A reload that succeeds in one of them (``/catalog reload`` or SIGHUP) is written here as a
new *generation*; the others read the newest row now and then
(``bot.reload.follow.ReloadFollower``) and reload their own files when it is newer than
what they serve. Only a few recent rows are kept: the newest is all that is ever read, the
rest is a short history for a maintainer looking at the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.storage.database import Migration
from bot.storage.interface import Row, Storage
from bot.storage.leases import timestamp

COMPONENT = "catalog_reloads"

# Rows kept below the newest generation (a history of the last reloads, never read here).
KEEP = 50

MIGRATIONS = [
    Migration(
        1,
        "catalog reloads, one generation each, followed by every process on the database",
        """
        CREATE TABLE catalog_reloads (
            generation   INTEGER NOT NULL PRIMARY KEY,
            version      TEXT,
            requested_by TEXT    NOT NULL,
            holder       TEXT    NOT NULL,
            reloaded_at  TEXT    NOT NULL
        );
        """,
        postgres_sql="""
        CREATE TABLE catalog_reloads (
            generation   BIGINT NOT NULL PRIMARY KEY,
            version      TEXT,
            requested_by TEXT   NOT NULL,
            holder       TEXT   NOT NULL,
            reloaded_at  TEXT   NOT NULL
        );
        """,
    )
]


@dataclass(frozen=True, slots=True)
class RecordedReload:
    """One successful reload: which generation, which catalog version, who asked, where."""

    generation: int
    version: str | None
    requested_by: str
    # ``bot.storage.leases.holder_name()`` of the process that reloaded.
    holder: str
    reloaded_at: datetime


class ReloadLog:
    """The table ``catalog_reloads`` (component ``catalog_reloads``)."""

    def __init__(self, database: Storage, clock: Clock) -> None:
        self._db = database
        self._clock = clock

    async def setup(self) -> None:
        await self._db.migrate(COMPONENT, MIGRATIONS)

    async def record(self, version: str | None, requested_by: str, holder: str) -> RecordedReload:
        """Write the next generation; two processes recording at once get two numbers
        (the transaction is serialised across processes, and the key is unique anyway)."""
        # Stored as text, read back the same way: the value returned equals what others read.
        at = timestamp(self._clock.now())
        async with self._db.transaction():
            row = await self._db.fetchone(
                "SELECT COALESCE(MAX(generation), 0) AS newest FROM catalog_reloads"
            )
            generation = int(row["newest"]) + 1 if row is not None else 1
            await self._db.execute(
                "INSERT INTO catalog_reloads "
                "(generation, version, requested_by, holder, reloaded_at) VALUES (?, ?, ?, ?, ?)",
                (generation, version, requested_by, holder, at),
            )
            await self._db.execute(
                "DELETE FROM catalog_reloads WHERE generation < ?", (generation - KEEP,)
            )
        return RecordedReload(generation, version, requested_by, holder, datetime.fromisoformat(at))

    async def latest(self) -> RecordedReload | None:
        """The newest generation, or None before the first reload (one row read)."""
        row = await self._db.fetchone(
            "SELECT generation, version, requested_by, holder, reloaded_at "
            "FROM catalog_reloads ORDER BY generation DESC LIMIT 1"
        )
        return _recorded(row) if row is not None else None


def _recorded(row: Row) -> RecordedReload:
    version = row["version"]
    return RecordedReload(
        generation=int(row["generation"]),
        version=None if version is None else str(version),
        requested_by=str(row["requested_by"]),
        holder=str(row["holder"]),
        reloaded_at=datetime.fromisoformat(str(row["reloaded_at"])),
    )
