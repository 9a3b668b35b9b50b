"""The one owner of the SQLite connection.

Every feature (suggestions, outbox, deadline reminders, feeds) gets this object and keeps
its own tables, with its own numbered migrations under its own *component* name. That way
features can add tables independently, and ``schema_migrations`` says exactly which
version of each component a database file is at.

aiosqlite runs one connection on one worker thread; all statements are serialised there,
so writers never fight over locks inside the process. ``transaction()`` groups several
statements into one atomic change.

Because the connection is shared, a statement sent by one task while another task holds a
transaction would silently become part of that transaction (and be rolled back with it).
So ``transaction()`` holds an ``asyncio.Lock`` and every statement from a task that is not
inside the open transaction waits for it to end; the task that owns the transaction goes
straight through. (Ownership is the task object itself, not a context variable, because a
task started inside a transaction inherits its creator's context but is not part of it.)
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step of a component. ``version`` starts at 1 and grows by one."""

    version: int
    description: str
    sql: str


_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (component, version)
);
"""


class Database:
    """An open SQLite database in WAL mode with foreign keys on."""

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self._conn = connection
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside ``transaction()``

    @property
    def in_transaction(self) -> bool:
        """Whether the *current task* is inside ``transaction()`` of this database."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating the parent folder) ``path``; ``":memory:"`` for a throwaway one."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(target, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        db = cls(conn, target)
        # WAL lets readers (backups, exports) run while the bot writes.
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA busy_timeout=5000")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.executescript(_BOOTSTRAP)
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- migrations -----------------------------------------------------------------------

    async def schema_version(self, component: str) -> int:
        row = await self.fetchone(
            "SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?", (component,)
        )
        return int(row["v"]) if row and row["v"] is not None else 0

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the migrations of ``component`` that this file has not seen; return the version.

        Each step runs in its own transaction together with its bookkeeping row, so a crash
        halfway leaves the file at the previous version, never in between.
        """
        expected = list(range(1, len(migrations) + 1))
        if [m.version for m in migrations] != expected:
            raise ValueError(f"migrations of {component!r} must be numbered 1..{len(migrations)}")
        current = await self.schema_version(component)
        if current > len(migrations):
            raise RuntimeError(
                f"database {self.path} has {component} schema v{current}, newer than this "
                f"program knows (v{len(migrations)}); upgrade the bot instead of downgrading"
            )
        for migration in migrations[current:]:
            async with self.transaction():
                for statement in _split_statements(migration.sql):
                    await self.execute(statement)
                await self.execute(
                    "INSERT INTO schema_migrations (component, version, description) "
                    "VALUES (?, ?, ?)",
                    (component, migration.version, migration.description),
                )
            log.info("migrated %s to v%d: %s", component, migration.version, migration.description)
        return len(migrations)

    # -- queries --------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any exception.

        Other tasks' statements and transactions wait until this one ends. Not re-entrant:
        opening a second transaction inside the first in the same task raises.
        """
        if self.in_transaction:
            raise RuntimeError("nested transaction")
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                else:
                    await self._conn.execute("COMMIT")
            except asyncio.CancelledError:
                await self._end_abandoned_transaction()
                raise
            finally:
                self._owner = None

    async def _end_abandoned_transaction(self) -> None:
        """Roll back what a cancelled BEGIN or COMMIT may have left open.

        A cancel stops the wait for a statement, not the statement: it is already queued on
        the connection's thread and runs. A BEGIN (or a COMMIT that then fails) would leave
        the shared connection inside a transaction nobody ends. This ROLLBACK is queued
        behind it, so it sees the outcome; "no transaction is active" means nothing was left.
        """
        try:
            await self._conn.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            if "no transaction is active" not in str(error):
                log.error("could not roll back an abandoned transaction: %s", error)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for another task's open transaction; the owner itself goes straight on."""
        if self.in_transaction:
            yield
        else:
            async with self._lock:
                yield

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        async with self._turn():
            cursor = await self._conn.execute(sql, tuple(params))
            try:
                return cursor.rowcount
            finally:
                await cursor.close()

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run an INSERT; return the new row id."""
        async with self._turn():
            cursor = await self._conn.execute(sql, tuple(params))
            try:
                return int(cursor.lastrowid or 0)
            finally:
                await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._turn():
            await self._conn.executemany(sql, [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with self._turn():
            cursor = await self._conn.execute(sql, tuple(params))
            try:
                return await cursor.fetchone()
            finally:
                await cursor.close()

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        # One trip to the connection's thread instead of three (execute, fetch, close).
        async with self._turn():
            return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def backup(self, target: str | Path) -> None:
        """Copy the live database to ``target`` with SQLite's online backup API."""
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(str(target)) as dest, self._turn():
            await self._conn.backup(dest)


def _split_statements(sql: str) -> list[str]:
    """Split a migration script on ``;`` at line ends (migrations hold no triggers)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = [part.strip().rstrip(";").strip() for part in "\n".join(lines).split(";\n")]
    return [part for part in parts if part]
