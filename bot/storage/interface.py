"""What every storage backend offers the features: the contract of ``Database`` (SQLite) and
``PostgresDatabase``, checked by one test suite run against both
(tests/unit/storage/test_backends.py).

SQL is written with ``?`` placeholders on both backends (PostgreSQL's ``$1, $2…`` are made
from them; see ``bot.storage.postgres.numbered_placeholders``). Rows are read by column
name (``row["title"]``) or position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

from bot.storage.database import Migration


class Row(Protocol):
    """One result row: ``sqlite3.Row`` on SQLite, ``asyncpg.Record`` on PostgreSQL."""

    def __getitem__(self, key: str, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __len__(self) -> int: ...


class Storage(Protocol):
    """An open database shared by every feature of one bot process.

    - ``migrate(component, migrations)`` brings one feature's tables to its newest version,
      one step per transaction, recorded in ``schema_migrations``; a database at a newer
      version than the program knows raises ``DatabaseError``.
    - ``transaction()`` is atomic and serialised: one transaction at a time writes, so a
      read followed by a write inside it sees no other writer in between (SQLite:
      ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock). Statements of the
      task that opened it run inside it; other tasks' statements never become part of it.
      Not re-entrant.
    - ``insert`` returns the new row's integer ``id`` (the key column every table written
      through it has; PostgreSQL reads it with ``RETURNING id``).
    - ``execute`` returns how many rows the statement changed (-1 when it changes none by
      nature, like ``CREATE TABLE``).
    """

    # "sqlite" or "postgresql": for the few statements the dialects write differently.
    dialect: str
    # What messages call the database: SQLite's file path, or PostgreSQL's URL without
    # its password.
    path: str

    @property
    def in_transaction(self) -> bool: ...

    async def close(self) -> None: ...

    async def schema_version(self, component: str) -> int: ...

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> int: ...

    def transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int: ...

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int: ...

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None: ...

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> Sequence[Row]: ...

    async def backup(self, target: str | Path) -> None: ...
