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
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage.errors import DatabaseError

log = logging.getLogger(__name__)

# How long a statement waits for another process's lock before giving up. Long enough for
# the bot's own short transactions (a CLI tool runs beside it), short enough that a start-up
# against a file held by something else fails within seconds instead of hanging.
BUSY_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step of a component. ``version`` starts at 1 and grows by one.

    ``sql`` is the step for SQLite, ``postgres_sql`` the same step for PostgreSQL (the
    dialects differ in types, defaults and upserts, so each backend gets its own script
    under the same version number and description). A step without ``postgres_sql`` is
    refused by the PostgreSQL backend rather than guessed.
    """

    version: int
    description: str
    sql: str
    postgres_sql: str | None = None


# (component, its migrations): what ``db migrate`` brings up to date and ``db copy`` copies.
Components = Sequence[tuple[str, Sequence[Migration]]]


def newest_versions(components: Components) -> dict[str, int]:
    """``{component: newest schema version}``: each component's number of migrations."""
    return {component: len(migrations) for component, migrations in components}


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

    def __init__(
        self, connection: aiosqlite.Connection, path: str, busy_timeout: float = BUSY_TIMEOUT
    ) -> None:
        self._conn = connection
        self.path = path
        self.busy_timeout = busy_timeout
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside ``transaction()``

    # Which SQL dialect statements must be written in (see bot.storage.leases).
    dialect = "sqlite"

    @property
    def in_transaction(self) -> bool:
        """Whether the *current task* is inside ``transaction()`` of this database."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        known_versions: Mapping[str, int] | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> Database:
        """Open (creating the parent folder) ``path``; ``":memory:"`` for a throwaway one.

        Before the first write, the file is checked: it must be an undamaged SQLite
        database, writable, not locked by another process for longer than
        ``busy_timeout`` seconds, and none of its components may be at a newer schema
        version than ``known_versions`` says (a newer program wrote it). Any of these
        raises :class:`DatabaseError` with the connection closed and the file untouched.
        """
        target = str(path)
        if target != ":memory:":
            _prepare(Path(target))
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise _explain(exc, target, busy_timeout) from None
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
            if target != ":memory:":
                await _check_usable(conn, target, known_versions or {})
            # WAL lets readers (backups, exports) run while the bot writes. Switching to it
            # rewrites the header, which is why the checks above come first.
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.executescript(_BOOTSTRAP)
        except BaseException as exc:
            # aiosqlite's worker thread is not a daemon: an unclosed connection would keep
            # the process alive after the failure.
            await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _explain(exc, target, busy_timeout) from None
            raise
        return cls(conn, target, busy_timeout)

    @classmethod
    async def check(
        cls,
        path: str | Path,
        *,
        known_versions: Mapping[str, int] | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> dict[str, int] | None:
        """The checks of :meth:`open`, creating and writing nothing.

        Returns ``{component: schema version}`` stored in the file, or ``None`` when it does
        not exist yet (and could be created); raises :class:`DatabaseError` otherwise.
        """
        target = str(path)
        if not _refuse_inaccessible(Path(target)):
            return None
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise _explain(exc, target, busy_timeout) from None
        try:
            await conn.execute(f"PRAGMA busy_timeout={round(busy_timeout * 1000)}")
            await _check_usable(conn, target, known_versions or {})
            return dict(await _stored_versions(conn))
        except sqlite3.Error as exc:
            raise _explain(exc, target, busy_timeout) from None
        finally:
            await conn.close()

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
        halfway leaves the file at the previous version, never in between. The version is
        read again inside it, so a second program migrating the same file at the same
        moment (``db migrate`` beside a starting bot) applies each step once.
        """
        check_numbering(component, migrations)
        current = await self.schema_version(component)
        if current > len(migrations):
            raise newer_schema(self.path, component, current, len(migrations))
        for migration in migrations[current:]:
            try:
                async with self.transaction():
                    if await self.schema_version(component) >= migration.version:
                        continue  # the other program applied it while we waited
                    for statement in _split_statements(migration.sql):
                        await self.execute(statement)
                    await self.execute(
                        "INSERT INTO schema_migrations (component, version, description) "
                        "VALUES (?, ?, ?)",
                        (component, migration.version, migration.description),
                    )
            except sqlite3.DatabaseError as exc:
                # Locked, read-only or a full disk is the file's problem, not the program's.
                if not _about_the_file(exc):
                    raise
                raise _explain(exc, self.path, self.busy_timeout) from None
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
        try:
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            async with aiosqlite.connect(str(target)) as dest, self._turn():
                await self._conn.backup(dest)
        except OSError as exc:
            raise DatabaseError(
                str(target), f"cannot be written ({exc.strerror or exc})", _ADVICE_WRITABLE
            ) from None
        except sqlite3.Error as exc:
            raise _explain(exc, str(target), self.busy_timeout) from None


def check_numbering(component: str, migrations: Sequence[Migration]) -> None:
    """Refuse a list of steps that is not numbered 1, 2, 3… (a programming error)."""
    expected = list(range(1, len(migrations) + 1))
    if [m.version for m in migrations] != expected:
        raise ValueError(f"migrations of {component!r} must be numbered 1..{len(migrations)}")


def _split_statements(sql: str) -> list[str]:
    """Split a migration script on ``;`` at line ends (migrations hold no triggers)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    parts = [part.strip().rstrip(";").strip() for part in "\n".join(lines).split(";\n")]
    return [part for part in parts if part]


# -- checks before the first write ----------------------------------------------------------

_ADVICE_OTHER_FILE = (
    "set database_path (ML_AUDIO_BOT_DATABASE) to the bot's database, or move this file "
    "away to start a new one"
)
_ADVICE_DAMAGED = (
    "stop the bot, restore the file from a backup (ml-audio-bot db backup makes one), or "
    "move it away to start a new one"
)
_ADVICE_WRITABLE = (
    "make the file and its folder writable by the user running the bot "
    "(Docker: chown 10001 on the data folder)"
)


def _prepare(path: Path) -> None:
    """Create the parent folder; refuse a file that cannot be read and written as it is."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(
            str(path),
            f"cannot be created: its folder {path.parent} cannot be made ({exc.strerror or exc})",
            "create the folder, or set database_path (ML_AUDIO_BOT_DATABASE) to a writable place",
        ) from None
    _refuse_inaccessible(path)


def _refuse_inaccessible(path: Path) -> bool:
    """Refuse a file (or, before it exists, a folder) this process cannot read and write;
    return whether the file exists."""
    target = str(path)
    if path.is_dir():
        raise DatabaseError(target, "is a folder, not a file", _ADVICE_OTHER_FILE)
    if path.exists() and not os.access(path, os.R_OK):
        raise DatabaseError(target, "cannot be read (permission denied)", _ADVICE_WRITABLE)
    # SQLite writes its -wal/-shm (or -journal) files beside the database.
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # not created yet: its nearest existing ancestor decides
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseError(target, f"is in a read-only folder ({folder})", _ADVICE_WRITABLE)
    if path.exists() and not os.access(path, os.W_OK):
        raise DatabaseError(target, "is read-only", _ADVICE_WRITABLE)
    return path.exists()


async def _check_usable(
    conn: aiosqlite.Connection, path: str, known_versions: Mapping[str, int]
) -> None:
    """Read-only checks, so that a refused file is left exactly as it was.

    ``quick_check`` reads every page (about a second for a few hundred MB), so a damaged
    page in the middle is found now rather than by whichever command first reads it.
    """
    rows = list(await conn.execute_fetchall("PRAGMA quick_check"))
    verdict = str(rows[0][0]) if rows else "ok"
    if verdict != "ok":
        # SQLite's report spans lines ("*** in database main ***\nPage 18: ..."); keep one.
        detail = " ".join(verdict.replace("*** in database main ***", "").split())
        raise DatabaseError(path, f"is damaged ({detail})", _ADVICE_DAMAGED)
    refuse_newer(path, await _stored_versions(conn), known_versions)
    # Take the write lock and give it back: fails now, not half-way through start-up,
    # when another process holds the file or it cannot be written after all.
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("ROLLBACK")


async def _stored_versions(conn: aiosqlite.Connection) -> list[tuple[str, int]]:
    """``(component, version)`` for each component recorded in the file (none when new)."""
    table = list(
        await conn.execute_fetchall(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
    )
    if not table:
        return []
    rows = await conn.execute_fetchall(
        "SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
    )
    return [(str(row[0]), int(row[1])) for row in rows]


def refuse_newer(
    path: str, stored: Iterable[tuple[str, int]], known_versions: Mapping[str, int]
) -> None:
    """Raise :func:`newer_schema` for the first ``(component, version)`` of ``stored`` newer
    than ``known_versions`` says (a component it does not list is not checked)."""
    for component, version in stored:
        known = known_versions.get(component)
        if known is not None and version > known:
            raise newer_schema(path, component, version, known)


def newer_schema(path: str, component: str, found: int, known: int) -> DatabaseError:
    return DatabaseError(
        path,
        f"has {component} schema v{found}, newer than this ml-audio-bot knows (v{known})",
        "run the newer ml-audio-bot that wrote it, or restore a backup made by this version "
        "(a database is never migrated down)",
    )


_FILE_ERRORS = (
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_READONLY",
    "SQLITE_PERM",
    "SQLITE_FULL",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
)


def _about_the_file(exc: sqlite3.Error) -> bool:
    """Whether SQLite blames the file or its surroundings (rather than the statement)."""
    return str(getattr(exc, "sqlite_errorname", "")).startswith(_FILE_ERRORS)


def _explain(exc: sqlite3.Error, path: str, busy_timeout: float) -> DatabaseError:
    """SQLite's error as a :class:`DatabaseError` saying what to do about it."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_NOTADB":
        return DatabaseError(path, "is not an SQLite database", _ADVICE_OTHER_FILE)
    if name.startswith("SQLITE_CORRUPT"):
        return DatabaseError(path, f"is damaged ({exc})", _ADVICE_DAMAGED)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return DatabaseError(
            path,
            f"is locked by another process for more than {busy_timeout:g} s",
            "stop the other program using it (another ml-audio-bot run?) and try again",
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM")):
        return DatabaseError(path, f"cannot be written ({exc})", _ADVICE_WRITABLE)
    if name.startswith("SQLITE_FULL"):
        return DatabaseError(path, "cannot grow: the disk is full", "free some space")
    return DatabaseError(path, f"cannot be used ({exc})", "check the file, its folder and the disk")
