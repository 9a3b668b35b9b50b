"""The PostgreSQL backend (asyncpg), offering what ``Database`` offers on SQLite.

A pool of connections serves statements; a transaction holds one connection for its
duration, and the statements of the task that opened it go through that connection (the
owner is the task object, as on SQLite: a task started inside a transaction is not part of
it). Transactions take a transaction-scoped advisory lock first, so they run one at a time
across every process using the database, like SQLite's ``BEGIN IMMEDIATE``: a read followed
by a write inside one sees no other writer in between.

SQL keeps SQLite's ``?`` placeholders; :func:`numbered_placeholders` turns them into
``$1, $2…``, leaving ``?`` inside quoted strings, quoted names and comments alone.
Dollar-quoted strings (``$$…$$``) and ``E'…'`` strings with backslash escapes are not
understood: statements passed with parameters must not contain them.

The password never travels in the URL (``open`` refuses one that carries it): it comes from
the environment (see ``bot.storage.backends``), and neither errors, logs nor ``repr`` show it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

from bot.storage.database import (
    BUSY_TIMEOUT,
    Migration,
    check_numbering,
    newer_schema,
    refuse_newer,
)
from bot.storage.errors import DatabaseError
from bot.storage.urls import redacted

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # asyncpg's classes take no type arguments at run time
    from asyncpg.pool import PoolConnectionProxy

    _Connection: TypeAlias = PoolConnectionProxy[asyncpg.Record]

CONNECT_TIMEOUT = 10.0
POOL_SIZE = 10
# The advisory lock key that serialises transactions ("mlab" in ASCII): any constant works
# as long as every process of the bot uses the same one.
_TRANSACTION_LOCK = 0x6D6C6162

_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component   TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT    NOT NULL,
    applied_at  TEXT    NOT NULL
        DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    PRIMARY KEY (component, version)
)
"""

_ADVICE_REACH = "start the PostgreSQL server, or correct host and port in database_url"
_ADVICE_LOGIN = (
    "set ML_AUDIO_BOT_DATABASE_PASSWORD (or PGPASSWORD) to the password of the user in database_url"
)


class PostgresDatabase:
    """An open PostgreSQL database: a pool of asyncpg connections."""

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self.path = where  # the URL without password, for messages (as SQLite's file path)
        self._transactions: dict[asyncio.Task[Any], _Connection] = {}
        # One transaction of this process waits for the advisory lock at a time; the others
        # wait here, without holding a pool connection each.
        self._lock = asyncio.Lock()
        # How long a statement waits for another process's lock (set by ``open``).
        self.busy_timeout = BUSY_TIMEOUT

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.path!r})"

    dialect = "postgresql"

    @property
    def in_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._transactions

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        password: str | None = None,
        known_versions: Mapping[str, int] | None = None,
        pool_size: int = POOL_SIZE,
        connect_timeout: float = CONNECT_TIMEOUT,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> PostgresDatabase:
        """Connect to ``url`` (``postgresql://user@host:port/database``) with ``password``.

        Before anything is written, no component may be at a newer schema version than
        ``known_versions`` says. Connection problems (server down, login refused, database
        missing) and a newer schema raise :class:`DatabaseError` with the pool closed.
        ``busy_timeout``: how long any statement waits for a lock another process holds
        (the transactions' lock included) before it fails, as SQLite's busy timeout.
        """
        db = await cls._connect(url, password, pool_size, connect_timeout, busy_timeout)
        try:
            refuse_newer(db.path, await db._stored_versions(), known_versions or {})
            async with db.transaction():
                await db.execute(_BOOTSTRAP)
        except BaseException:
            await db.close()
            raise
        return db

    @classmethod
    async def check(
        cls,
        url: str,
        *,
        password: str | None = None,
        known_versions: Mapping[str, int] | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> dict[str, int]:
        """The checks of :meth:`open`, writing nothing (``ml-audio-bot config``).

        Returns ``{component: schema version}`` stored in the database (empty for a new
        one); raises :class:`DatabaseError` when it cannot be used.
        """
        db = await cls._connect(url, password, 1, connect_timeout)
        try:
            versions = await db._stored_versions()
            refuse_newer(db.path, versions, known_versions or {})
            return dict(versions)
        finally:
            await db.close()

    @classmethod
    async def _connect(
        cls,
        url: str,
        password: str | None,
        pool_size: int,
        connect_timeout: float,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> PostgresDatabase:
        where = redacted(url)
        if where != url:
            raise DatabaseError(
                where,
                "has a password in its URL",
                "remove it from database_url and " + _ADVICE_LOGIN,
            )
        try:
            pool = await asyncpg.create_pool(
                url,
                password=password,
                min_size=1,
                max_size=pool_size,
                timeout=connect_timeout,
                server_settings={
                    "application_name": "ml-audio-bot",
                    "TimeZone": "UTC",
                    # A stuck or suspended process holding a lock must not hang this one:
                    # past it a wait fails with "lock not available" (SQLSTATE 55P03),
                    # which features report as a busy database. Milliseconds.
                    "lock_timeout": str(round(busy_timeout * 1000)),
                },
            )
        except Exception as exc:
            raise _explain_connect(exc, where, connect_timeout) from None
        db = cls(pool, where)
        db.busy_timeout = busy_timeout
        return db

    async def close(self) -> None:
        await self._pool.close()

    async def __aenter__(self) -> PostgresDatabase:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- migrations -----------------------------------------------------------------------

    async def _stored_versions(self) -> list[tuple[str, int]]:
        exists = await self._pool.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not exists:
            return []
        rows = await self._pool.fetch(
            "SELECT component, MAX(version) FROM schema_migrations GROUP BY component"
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    async def schema_version(self, component: str) -> int:
        row = await self.fetchone(
            "SELECT MAX(version) AS v FROM schema_migrations WHERE component = ?", (component,)
        )
        return int(row["v"]) if row and row["v"] is not None else 0

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int:
        """Apply the steps of ``component`` this database has not seen; return the version.

        Each step runs in one transaction with its bookkeeping row. The version is read
        again inside it, so two processes migrating at once apply each step once.
        """
        check_numbering(component, migrations)
        missing = [m.version for m in migrations if m.postgres_sql is None]
        if missing:
            raise ValueError(f"migrations of {component!r} lack postgres_sql: {missing}")
        current = await self.schema_version(component)
        if current > len(migrations):
            raise newer_schema(self.path, component, current, len(migrations))
        for migration in migrations[current:]:
            async with self.transaction():
                if await self.schema_version(component) >= migration.version:
                    continue  # another process applied it while we waited for the lock
                # A whole script in one call: asyncpg sends it as a simple query.
                await self._connection().execute(migration.postgres_sql or "")
                await self.execute(
                    "INSERT INTO schema_migrations (component, version, description) "
                    "VALUES (?, ?, ?)",
                    (component, migration.version, migration.description),
                )
            log.info("migrated %s to v%d: %s", component, migration.version, migration.description)
        return len(migrations)

    # -- queries --------------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresDatabase]:
        """One connection for the transaction; commits, or rolls back on any exception."""
        if self.in_transaction:
            raise RuntimeError("nested transaction")
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("transaction() outside a task")
        async with self._lock, self._pool.acquire() as conn, conn.transaction():
            # Waits at most busy_timeout (lock_timeout, set per connection at open).
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _TRANSACTION_LOCK)
            self._transactions[task] = conn
            try:
                yield self
            finally:
                del self._transactions[task]

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PostgresDatabase]:
        """A read-only REPEATABLE READ transaction: every read of the current task inside it
        sees the database as it was at its first statement, whatever other processes commit
        meanwhile (``db copy`` and ``db backup`` read a running bot's database this way).

        It takes no advisory lock, so the bot's writers never wait for it.
        """
        if self.in_transaction:
            raise RuntimeError("nested transaction")
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("snapshot() outside a task")
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            self._transactions[task] = conn
            try:
                yield self
            finally:
                del self._transactions[task]

    def _connection(self) -> _Connection:
        """The current task's transaction connection (only valid inside ``transaction()``)."""
        task = asyncio.current_task()
        assert task is not None
        return self._transactions[task]

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[_Connection]:
        """The owner's transaction connection, or any free one from the pool."""
        task = asyncio.current_task()
        conn = self._transactions.get(task) if task is not None else None
        if conn is not None:
            yield conn
        else:
            async with self._pool.acquire() as pooled:
                yield pooled

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        async with self._session() as conn:
            status = await conn.execute(numbered_placeholders(sql), *params)
        return changed_rows(status)

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        statement = numbered_placeholders(sql)
        if not re.search(r"\bRETURNING\b", statement, re.IGNORECASE):
            statement += " RETURNING id"
        async with self._session() as conn:
            return int(await conn.fetchval(statement, *params) or 0)

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        async with self._session() as conn:
            await conn.executemany(numbered_placeholders(sql), [tuple(r) for r in rows])

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        async with self._session() as conn:
            return await conn.fetchrow(numbered_placeholders(sql), *params)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        async with self._session() as conn:
            return list(await conn.fetch(numbered_placeholders(sql), *params))

    async def backup(self, target: str | Path) -> None:
        raise DatabaseError(
            self.path,
            "cannot be backed up file by file",
            f"run `ml-audio-bot db backup {target}` (a consistent snapshot as an SQLite file)",
        )


# -- SQL translation --------------------------------------------------------------------------

# One token per match: a quoted string or name, a comment, a placeholder, or anything else.
_TOKENS = re.compile(
    r"""
    '(?:[^']|'')*'        # a string literal ('' is a quote inside it)
  | "(?:[^"]|"")*"        # a quoted name
  | --[^\n]*              # a line comment
  | /\*.*?\*/             # a block comment
  | \?                    # a placeholder
  | [^'"?/-]+ | [/-]      # anything else
    """,
    re.VERBOSE | re.DOTALL,
)


@lru_cache(maxsize=1024)
def numbered_placeholders(sql: str) -> str:
    """SQLite's ``?`` placeholders as PostgreSQL's ``$1, $2…``, in order of appearance."""
    parts: list[str] = []
    count = 0
    position = 0
    for match in _TOKENS.finditer(sql):
        if match.start() != position:
            break
        piece = match.group()
        if piece == "?":
            count += 1
            piece = f"${count}"
        parts.append(piece)
        position = match.end()
    if position != len(sql):
        raise ValueError(f"unterminated quote or comment in SQL: {sql[position:][:40]!r}")
    return "".join(parts)


def changed_rows(status: str) -> int:
    """The row count of a command status (``UPDATE 3``, ``INSERT 0 1``); -1 for others."""
    verb, _, rest = status.partition(" ")
    if verb in {"INSERT", "UPDATE", "DELETE", "MERGE", "SELECT", "COPY"} and rest:
        return int(rest.rsplit(" ", 1)[-1])
    return -1


# -- opening ----------------------------------------------------------------------------------


def _explain_connect(exc: BaseException, where: str, timeout: float) -> DatabaseError:
    """asyncpg's (or the network's) refusal as a :class:`DatabaseError` saying what to do.

    Only the class of the error and the server's own message are used: neither carries the
    password.
    """
    if isinstance(
        exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return DatabaseError(where, f"refused the login ({exc})", _ADVICE_LOGIN)
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return DatabaseError(
            where,
            "does not exist on the server",
            "create it (createdb -O USER NAME) or correct the database name in database_url",
        )
    if isinstance(exc, TimeoutError):
        return DatabaseError(where, f"did not answer within {timeout:g} s", _ADVICE_REACH)
    if isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return DatabaseError(where, f"cannot be reached ({reason})", _ADVICE_REACH)
    if isinstance(exc, asyncpg.PostgresError):
        return DatabaseError(where, f"refused the connection ({exc})", _ADVICE_REACH)
    return DatabaseError(where, f"cannot be used ({type(exc).__name__})", _ADVICE_REACH)
